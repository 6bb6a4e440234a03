/** End-to-end benchmark of the JDBC state store against a bare compare-and-set UPDATE on the same database. */
@NullMarked
package dev.osc4j.bench.jdbc;

import org.jspecify.annotations.NullMarked;
