package dev.osc4j.spi;

import java.util.List;

/**
 * What a cleanup did.
 *
 * @param dropped the artifacts dropped (tables, triggers, files), by name
 * @param notes anything an operator should know (an artifact that was expected but absent, one left on purpose)
 */
public record CleanupReport(List<String> dropped, List<String> notes) {
    /** Copies the lists. */
    public CleanupReport {
        dropped = List.copyOf(dropped);
        notes = List.copyOf(notes);
    }

    /** Nothing to do. */
    public static CleanupReport nothing() {
        return new CleanupReport(List.of(), List.of());
    }
}
