/** End-to-end benchmark of the pt-osc engine against bare pt-online-schema-change; see {@code bench/README.md}. */
@NullMarked
package dev.osc4j.bench.ptosc;

import org.jspecify.annotations.NullMarked;
