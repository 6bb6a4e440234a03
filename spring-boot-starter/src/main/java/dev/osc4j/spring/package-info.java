/**
 * Spring Boot auto-configuration for osc4j: {@link dev.osc4j.spring.Osc4jAutoConfiguration} and its properties
 * ({@link dev.osc4j.spring.Osc4jProperties}, prefix {@code osc4j}).
 */
@NullMarked
package dev.osc4j.spring;

import org.jspecify.annotations.NullMarked;
