/**
 * A {@link dev.osc4j.spi.TrafficSwitch} on HAProxy ({@link dev.osc4j.haproxy.HaProxyTrafficSwitch}): it drains the
 * server that carries a shard's primary through HAProxy's runtime API while the tables are swapped, and puts back what
 * it changed, remembering that in a stick table of HAProxy itself.
 */
@NullMarked
package dev.osc4j.haproxy;

import org.jspecify.annotations.NullMarked;
