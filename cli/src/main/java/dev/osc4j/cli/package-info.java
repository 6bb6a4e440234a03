/**
 * The {@code osc4j} command line: {@link dev.osc4j.cli.Osc4jCli} reads migrations and sends directives through a JDBC
 * or etcd store alone, with the same progress rendering ({@link dev.osc4j.cli.ProgressView}) the quickstart uses.
 */
@NullMarked
package dev.osc4j.cli;

import org.jspecify.annotations.NullMarked;
