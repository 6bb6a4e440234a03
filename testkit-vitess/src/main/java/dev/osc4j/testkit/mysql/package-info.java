/**
 * A minimal MySQL client/server protocol server for tests: the transport of a fake VTGate.
 *
 * <p>{@link dev.osc4j.testkit.mysql.MySqlProtocolServer} accepts connections from mysql-connector-j (or any client that
 * speaks protocol 4.1 without TLS), answers the driver's connection-setup queries itself and hands every other text
 * query to a {@link dev.osc4j.testkit.mysql.QueryHandler}. Nothing here knows about Vitess.
 */
@NullMarked
package dev.osc4j.testkit.mysql;

import org.jspecify.annotations.NullMarked;
