/**
 * A live web page of the fleet's migrations: {@link dev.osc4j.dashboard.Dashboard} is a framework-neutral handler
 * built on a {@link dev.osc4j.MigrationClient}; {@link dev.osc4j.dashboard.DashboardHttpHandler} serves it on the JDK's
 * {@code HttpServer}.
 */
@NullMarked
package dev.osc4j.dashboard;

import org.jspecify.annotations.NullMarked;
