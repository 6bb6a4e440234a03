/**
 * Launchers for real servers started from the binaries installed on the machine ({@link LocalMariaDb}: a primary and
 * replicas; {@link LocalEtcd}: one node or a cluster; {@link LocalHaProxy}: TCP proxies with their runtime API), each in a temporary directory on free loopback ports, never
 * outliving the JVM. A server that cannot be started fails with {@link MissingServerException} naming the Debian
 * package to install; it is never skipped. {@link MySqlServer} is the launcher interface every MySQL launcher
 * implements, {@code LocalMariaDb} here and {@code ContainerMySql} (MySQL 8 in Docker) in
 * {@code osc4j-testkit-testcontainers}.
 */
@NullMarked
package dev.osc4j.testkit.servers;

import org.jspecify.annotations.NullMarked;
