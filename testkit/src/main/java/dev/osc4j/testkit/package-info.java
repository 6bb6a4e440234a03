/**
 * What users test their controllers with: a settable clock, an in-memory store, a fake topology and a fake engine,
 * a deterministic simulation, the contract suites every store must pass, and launchers for real servers started from
 * the binaries installed on the machine ({@link dev.osc4j.testkit.LocalMariaDb}, {@link dev.osc4j.testkit.LocalEtcd}),
 * each in a temporary directory on free loopback ports, never outliving the JVM.
 */
@NullMarked
package dev.osc4j.testkit;

import org.jspecify.annotations.NullMarked;
