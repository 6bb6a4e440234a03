/**
 * What users test their controllers with: a settable clock, an in-memory store, a fake topology and a fake engine,
 * the contract suites every store and engine must pass, and launchers for real servers.
 */
@NullMarked
package dev.osc4j.testkit;

import org.jspecify.annotations.NullMarked;
