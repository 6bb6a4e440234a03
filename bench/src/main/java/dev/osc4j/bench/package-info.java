/** Benchmarks, run on demand; see {@code bench/README.md}. */
@NullMarked
package dev.osc4j.bench;

import org.jspecify.annotations.NullMarked;
