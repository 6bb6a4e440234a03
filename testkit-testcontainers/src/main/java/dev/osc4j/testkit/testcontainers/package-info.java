/**
 * MySQL 8 in Docker for tests, through Testcontainers: {@link ContainerMySql} starts a primary and replicas behind
 * the testkit's launcher interface {@link dev.osc4j.testkit.servers.MySqlServer}, so a test written for
 * {@code LocalMariaDb} runs against real MySQL 8 too. It needs Docker: without it, starting fails with
 * {@link DockerUnavailableException}; it is never skipped.
 */
@NullMarked
package dev.osc4j.testkit.testcontainers;

import org.jspecify.annotations.NullMarked;
