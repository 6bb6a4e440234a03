package dev.osc4j.engine.ptosc;

import dev.osc4j.Endpoint;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationSpec;
import dev.osc4j.ShardTarget;
import dev.osc4j.spi.CredentialsProvider;
import dev.osc4j.spi.EngineHandle;
import dev.osc4j.spi.EngineKey;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * A controller process for {@link PtOscReattachIT}: starts one pt-osc run through a {@link PtOscEngine}, prints its
 * handle, then waits to be killed. Its only argument is a private properties file (the password never goes on a
 * command line).
 */
public final class ChildController {
    private ChildController() {}

    public static void main(String[] args) throws Exception {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
            p.load(in);
        }
        PtOscEngine engine = PtOscEngine.builder()
                .credentials(CredentialsProvider.of(p.getProperty("user"), p.getProperty("password")))
                .workDirectory(Path.of(p.getProperty("work")))
                .defaultOptions(Fixture.slow(500, "0.03"))
                .build();
        EngineHandle handle = engine.start(target(p), spec(p), key(p));
        System.out.println("STARTED " + handle.attribute(PtOscEngine.ATTR_PID, "?"));
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }

    static ShardTarget target(Properties p) {
        return new ShardTarget(
                Fixture.KEYSPACE,
                "s1",
                Fixture.SCHEMA,
                new Endpoint(p.getProperty("host"), Integer.parseInt(p.getProperty("port"))));
    }

    static MigrationSpec spec(Properties p) {
        return new MigrationSpec(
                Fixture.KEYSPACE, p.getProperty("table"), "ADD COLUMN note VARCHAR(8)", "pt-osc", Map.of(), List.of());
    }

    static EngineKey key(Properties p) {
        return new EngineKey(MigrationId.of(p.getProperty("migration")), 1, "s1");
    }
}
