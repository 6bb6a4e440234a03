package dev.osc4j.cli;

import dev.osc4j.IdempotencyConflictException;
import dev.osc4j.IllegalDirectiveException;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.MigrationNotFoundException;
import dev.osc4j.StoreException;

/** The exit codes of the {@code osc4j} command, which scripts may rely on (docs/cli.md). */
public final class ExitCodes {
    /** Done. */
    public static final int OK = 0;
    /** An unexpected error. */
    public static final int UNEXPECTED = 1;
    /** The command line is wrong (unknown command or option, missing argument or store). */
    public static final int USAGE = 2;
    /** No migration has that id. */
    public static final int NOT_FOUND = 3;
    /**
     * The directive was refused: not allowed in the migration's state (a revert outside its window, say, with the
     * reason), or its id was used for another directive.
     */
    public static final int REFUSED = 4;
    /** An argument is invalid (an id, a ratio, a file). */
    public static final int INVALID = 5;
    /** The store cannot be reached or read. */
    public static final int STORE = 6;
    /**
     * {@code watch} saw the migration end without its new schema live (ABORTED, REVERTED); COMPLETED and REVERTIBLE (in
     * its revert window) are {@link #OK}, ALERTED is {@link #ALERTED}.
     */
    public static final int NOT_COMPLETED = 7;
    /** {@code audit --verify} found the trail does not match its hash chain (edited, removed or added entries). */
    public static final int TAMPERED = 8;
    /**
     * {@code watch} saw a health alert ({@code ALERTED}): a signal breached after a swap that cannot be reverted. The new
     * schema is live; look, then {@code osc4j acknowledge}.
     */
    public static final int ALERTED = 9;
    /** Interrupted (Ctrl-C), as shells report SIGINT. */
    public static final int INTERRUPTED = 130;

    private ExitCodes() {}

    /** The exit code for an exception a command threw. */
    static int of(Throwable e) {
        if (e instanceof StoreOptions.UsageException) {
            return USAGE;
        }
        if (e instanceof MigrationNotFoundException) {
            return NOT_FOUND;
        }
        if (e instanceof IllegalDirectiveException || e instanceof IdempotencyConflictException) {
            return REFUSED;
        }
        if (e instanceof InvalidRequestException || e instanceof IllegalArgumentException) {
            return INVALID;
        }
        if (e instanceof StoreException) {
            return STORE;
        }
        return UNEXPECTED;
    }
}
