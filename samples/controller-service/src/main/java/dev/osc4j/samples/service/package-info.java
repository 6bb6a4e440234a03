/** A controller as a small HTTP service, to start a production controller from. */
@NullMarked
package dev.osc4j.samples.service;

import org.jspecify.annotations.NullMarked;
