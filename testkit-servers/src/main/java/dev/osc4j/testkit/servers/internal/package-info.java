/**
 * Process plumbing shared by the server launchers of the testkit: free loopback ports, binary look-up, process
 * wrappers that never outlive the JVM, temporary directories and bounded waits. Not API: it may change without
 * notice.
 */
@NullMarked
package dev.osc4j.testkit.servers.internal;

import org.jspecify.annotations.NullMarked;
