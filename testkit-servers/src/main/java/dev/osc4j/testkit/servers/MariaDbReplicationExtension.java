package dev.osc4j.testkit.servers;

import dev.osc4j.Endpoint;
import dev.osc4j.spi.CredentialsProvider;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit 5 extension that starts a real MariaDB primary and a replica of it ({@link LocalMariaDb}, GTID replication)
 * before the tests and closes both after them. Registered on a static field, the servers are shared by the class's
 * tests; on an instance field, each test gets its own.
 *
 * <pre>{@code
 * class MyTopologyIT {
 *     @RegisterExtension
 *     static final MariaDbReplicationExtension db = MariaDbReplicationExtension.primaryAndReplica();
 *
 *     @Test
 *     void seesTheReplica() {
 *         MySqlTopology probe = MySqlTopology.builder()
 *                 .credentials(db.credentials())
 *                 .shard(new MySqlShard("ks", "s1", "app", db.primaryEndpoint(), List.of(db.replicaEndpoint())))
 *                 .build();
 *         ...
 *     }
 * }
 * }</pre>
 *
 * <p>The replica has the primary's application user and password, so {@link #credentials()} serves both. {@link
 * #primaryOnly()} starts the primary alone, for tests of table-level operations that need no replica.
 */
public final class MariaDbReplicationExtension
        implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
    private @Nullable LocalMariaDb primary;
    private @Nullable LocalMariaDb replica;
    private boolean perTest;
    private final boolean withReplica;

    private MariaDbReplicationExtension(boolean withReplica) {
        this.withReplica = withReplica;
    }

    /** A primary and one replica, started when the tests start. */
    public static MariaDbReplicationExtension primaryAndReplica() {
        return new MariaDbReplicationExtension(true);
    }

    /** A primary alone, started when the tests start; {@link #replica()} then refuses. */
    public static MariaDbReplicationExtension primaryOnly() {
        return new MariaDbReplicationExtension(false);
    }

    /** The primary. */
    public synchronized LocalMariaDb primary() {
        return running(primary);
    }

    /** The replica of {@link #primary()}. */
    public synchronized LocalMariaDb replica() {
        return running(replica);
    }

    /** Where the primary listens. */
    public Endpoint primaryEndpoint() {
        return endpoint(primary());
    }

    /** Where the replica listens. */
    public Endpoint replicaEndpoint() {
        return endpoint(replica());
    }

    /** The application user and password, valid on both servers. */
    public CredentialsProvider credentials() {
        LocalMariaDb p = primary();
        return CredentialsProvider.of(p.user(), p.password());
    }

    /** Where {@code server} listens. */
    public static Endpoint endpoint(LocalMariaDb server) {
        return new Endpoint(server.host(), server.port());
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        stop();
    }

    @Override
    public synchronized void beforeEach(ExtensionContext context) {
        if (primary == null) {
            perTest = true;
            start();
        }
    }

    @Override
    public synchronized void afterEach(ExtensionContext context) {
        if (perTest) {
            stop();
        }
    }

    private synchronized void start() {
        LocalMariaDb p = LocalMariaDb.start();
        primary = p;
        if (!withReplica) {
            return;
        }
        try {
            replica = p.startReplica();
        } catch (RuntimeException e) {
            p.close();
            primary = null;
            throw e;
        }
    }

    private synchronized void stop() {
        LocalMariaDb r = replica;
        LocalMariaDb p = primary;
        replica = null;
        primary = null;
        if (r != null) {
            r.close();
        }
        if (p != null) {
            p.close();
        }
    }

    private static LocalMariaDb running(@Nullable LocalMariaDb server) {
        if (server == null) {
            throw new IllegalStateException(
                    "the MariaDB servers run only while tests run: register the extension with @RegisterExtension");
        }
        return server;
    }
}
