/** Implementation of the orchestrator. Not API: anything here may change without notice. */
@NullMarked
package dev.osc4j.internal;

import org.jspecify.annotations.NullMarked;
