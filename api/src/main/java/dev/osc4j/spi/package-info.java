/**
 * Interfaces for implementers: state stores, execution engines, topology probes and gates, with the value types they
 * exchange. Methods added later get default bodies.
 */
@NullMarked
package dev.osc4j.spi;

import org.jspecify.annotations.NullMarked;
