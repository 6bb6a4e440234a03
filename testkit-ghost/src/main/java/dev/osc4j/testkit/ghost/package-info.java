/**
 * A fake gh-ost for tests: {@link dev.osc4j.testkit.ghost.FakeGhost} installs a {@code gh-ost} executable that speaks
 * gh-ost's interface (flags, status lines, socket commands, flag files, hooks) and really changes a table on a real
 * MySQL or MariaDB server; {@link dev.osc4j.testkit.ghost.FakeGhostBehavior} sets its pace and faults.
 */
@NullMarked
package dev.osc4j.testkit.ghost;

import org.jspecify.annotations.NullMarked;
