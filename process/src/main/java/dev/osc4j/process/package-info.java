/**
 * Process-run support for the engines that run a schema-change tool as a local process (pt-online-schema-change,
 * gh-ost): the run directory named after the engine key ({@link dev.osc4j.process.RunDirectoryName}), its private
 * files ({@link dev.osc4j.process.RunFiles}), the detached launch ({@link dev.osc4j.process.DetachedLaunch}), finding
 * the process again after a controller restart ({@link dev.osc4j.process.LocalProcesses}) and reading its output
 * ({@link dev.osc4j.process.FileTail}). Internal to osc4j: the engines use it, users do not.
 */
@NullMarked
package dev.osc4j.process;

import org.jspecify.annotations.NullMarked;
