/** The quickstart: a 4-shard migration on the fake topology, with live progress. */
@NullMarked
package dev.osc4j.samples.quickstart;

import org.jspecify.annotations.NullMarked;
