/** A controller as a small Spring Boot service on the osc4j starter, to start a production controller from. */
@NullMarked
package dev.osc4j.samples.service;

import org.jspecify.annotations.NullMarked;
