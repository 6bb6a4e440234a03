/** osc4j with pt-online-schema-change on a real MariaDB primary and replica; see {@code samples/ptosc/README.md}. */
@NullMarked
package dev.osc4j.samples.ptosc;

import org.jspecify.annotations.NullMarked;
