/**
 * A {@link dev.osc4j.spi.StateStore} on MySQL, MariaDB and H2 through JDBC: {@link
 * dev.osc4j.store.jdbc.JdbcStateStore}. Everything else in this package is its implementation.
 */
@NullMarked
package dev.osc4j.store.jdbc;

import org.jspecify.annotations.NullMarked;
