/** The public API of osc4j. */
@NullMarked
package dev.osc4j;

import org.jspecify.annotations.NullMarked;
