/**
 * An {@link dev.osc4j.spi.ExecutionEngine} that runs and steers <a href="https://github.com/github/gh-ost">gh-ost</a>:
 * {@link dev.osc4j.engine.ghost.GhostEngine}. Each shard's run is a detached gh-ost process with its own directory
 * (configuration file, socket, flag files, hooks, logs), so it survives the controller that started it and a new
 * controller finds it again from the migration's key.
 */
@NullMarked
package dev.osc4j.engine.ghost;

import org.jspecify.annotations.NullMarked;
