/**
 * What users test their controllers with, with no server or protocol code in it: a settable clock, an in-memory store,
 * a fake topology and a fake engine, a deterministic simulation, crash injection, audit-trail checks and the contract
 * suites every store must pass. Real servers are in {@code osc4j-testkit-servers}, the fake VTGate in
 * {@code osc4j-testkit-vitess}, the fake gh-ost in {@code osc4j-testkit-ghost}.
 */
@NullMarked
package dev.osc4j.testkit;

import org.jspecify.annotations.NullMarked;
