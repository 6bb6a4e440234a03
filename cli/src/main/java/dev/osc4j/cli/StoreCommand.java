package dev.osc4j.cli;

import dev.osc4j.MigrationClient;
import dev.osc4j.MigrationId;
import dev.osc4j.spi.AuditKeys;
import java.util.Objects;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** A command that opens the store, runs, and closes it. */
abstract class StoreCommand implements Callable<Integer> {
    /** How read commands print. */
    enum Output {
        /** For people. */
        text,
        /** For scripts. */
        json
    }

    @ParentCommand
    @Nullable
    Osc4jCli parent;

    @Mixin
    StoreOptions store = new StoreOptions();

    @Option(names = "--output", paramLabel = "FORMAT", description = "text (default) or json")
    Output output = Output.text;

    /** The root command, which picocli sets before {@link #call}. */
    Osc4jCli root() {
        return Objects.requireNonNull(parent, "parent command");
    }

    @Override
    public Integer call() throws Exception {
        try (StoreOptions.Opened opened = store.open(root().env)) {
            AuditKeys keys = store.auditKeys(root().env);
            return run(
                    keys == null
                            ? MigrationClient.of(opened.store())
                            : MigrationClient.of(opened.store(), java.time.Clock.systemUTC(), keys));
        }
    }

    abstract int run(MigrationClient client) throws Exception;

    static MigrationId id(String value) {
        return MigrationId.of(value);
    }

    boolean json() {
        return output == Output.json;
    }

    /** The terminal width to render for: $COLUMNS, else 120. */
    int width() {
        String columns = root().env.get("COLUMNS");
        try {
            return columns == null ? 120 : Math.max(40, Integer.parseInt(columns.trim()));
        } catch (NumberFormatException e) {
            return 120;
        }
    }
}
