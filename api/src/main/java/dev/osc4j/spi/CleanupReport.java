package dev.osc4j.spi;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import java.util.List;
import org.apiguardian.api.API;

/**
 * What a cleanup did.
 *
 * @param dropped the artifacts dropped (tables, triggers, files), by name
 * @param notes anything an operator should know (an artifact that was expected but absent, one left on purpose)
 */
@API(status = EXPERIMENTAL, since = "0.1")
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
