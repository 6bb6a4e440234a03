/** The built-in gates, one small class each. Not API. */
@NullMarked
package dev.osc4j.internal.gate;

import org.jspecify.annotations.NullMarked;
