package dev.osc4j.cli;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.StoreException;
import dev.osc4j.spi.AuditKeys;
import dev.osc4j.spi.StateStore;
import dev.osc4j.store.etcd.EtcdStateStore;
import dev.osc4j.store.jdbc.JdbcStateStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * Which store a command talks to. The password is never an option: it comes from {@code OSC4J_STORE_PASSWORD} or a
 * file ({@code --password-file}), so it is on no command line and in no shell history.
 */
final class StoreOptions {
    static final String ENV_STORE = "OSC4J_STORE";
    static final String ENV_USER = "OSC4J_STORE_USER";
    static final String ENV_PASSWORD = "OSC4J_STORE_PASSWORD";
    static final String ENV_PREFIX = "OSC4J_ETCD_PREFIX";
    static final String ENV_AUDIT_KEY = "OSC4J_AUDIT_KEY_FILE";

    @Option(
            names = "--store",
            paramLabel = "STORE",
            description = "jdbc:mysql://host:port/db, jdbc:h2:..., h2:PATH (the embedded default's file) or"
                    + " etcd://host:port[,host:port...]; default: $OSC4J_STORE")
    @Nullable
    String store;

    @Option(names = "--user", description = "store user; default: $OSC4J_STORE_USER")
    @Nullable
    String user;

    @Option(
            names = "--password-file",
            paramLabel = "FILE",
            description = "file holding the store password; default: $OSC4J_STORE_PASSWORD")
    @Nullable
    Path passwordFile;

    @Option(
            names = "--etcd-prefix",
            paramLabel = "PREFIX",
            description = "key prefix of an etcd store; default: $OSC4J_ETCD_PREFIX or /osc4j/")
    @Nullable
    String etcdPrefix;

    @Option(
            names = "--audit-key-file",
            paramLabel = "FILE",
            description = "file holding the audit key (KEY_ID:BASE64_KEY, as the controllers' AuditKeys), to seal"
                    + " directives and verify a keyed trail; default: $OSC4J_AUDIT_KEY_FILE")
    @Nullable
    Path auditKeyFile;

    /** The audit keys from {@code --audit-key-file} or the environment, or null when neither names a file. */
    @Nullable
    AuditKeys auditKeys(Map<String, String> env) {
        String file = auditKeyFile != null ? auditKeyFile.toString() : env.get(ENV_AUDIT_KEY);
        if (file == null || file.isBlank()) {
            return null;
        }
        String content;
        try {
            content = java.nio.file.Files.readString(Path.of(file)).strip();
        } catch (java.io.IOException e) {
            throw new UsageException("cannot read the audit key file " + file + ": "
                    + e.getClass().getSimpleName());
        }
        int colon = content.indexOf(':');
        if (colon < 1) {
            throw new UsageException("the audit key file " + file + " must hold KEY_ID:BASE64_KEY");
        }
        byte[] key;
        try {
            key = java.util.Base64.getDecoder().decode(content.substring(colon + 1));
        } catch (IllegalArgumentException e) {
            throw new UsageException("the audit key in " + file + " is not valid base64"); // nothing of the key itself
        }
        try {
            return AuditKeys.of(content.substring(0, colon), key);
        } catch (IllegalArgumentException e) {
            // AuditKeys' messages name the id or the length, never the key.
            throw new UsageException("the audit key file " + file + " is not usable: " + e.getMessage());
        }
    }

    /** An open store and what closes it. */
    record Opened(StateStore store, Runnable closer) implements AutoCloseable {
        @Override
        public void close() {
            closer.run();
        }
    }

    Opened open(Map<String, String> env) {
        String spec = store != null ? store : env.get(ENV_STORE);
        if (spec == null || spec.isBlank()) {
            throw new UsageException("no store: give --store or set " + ENV_STORE);
        }
        if (spec.startsWith("h2:")) {
            JdbcStateStore s = JdbcStateStore.h2File(Path.of(spec.substring("h2:".length())));
            return new Opened(s, s::close);
        }
        if (spec.startsWith("jdbc:")) {
            return jdbc(spec, env);
        }
        if (spec.startsWith("etcd://")) {
            return etcd(spec, env);
        }
        throw new UsageException("--store must start with jdbc:, h2: or etcd://, got '" + spec + "'");
    }

    private Opened jdbc(String url, Map<String, String> env) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("osc4j-cli");
        config.setJdbcUrl(url);
        String u = user != null ? user : env.get(ENV_USER);
        if (u != null) {
            config.setUsername(u);
        }
        String password = password(env);
        if (password != null) {
            config.setPassword(password);
        }
        config.setMaximumPoolSize(2);
        config.setMinimumIdle(0);
        config.setConnectionTimeout(5_000);
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(config);
        } catch (RuntimeException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw StoreException.unavailable(
                    "cannot connect to the store at " + redacted(url) + ": " + cause.getMessage(), null, null);
        }
        try {
            JdbcStateStore s = JdbcStateStore.builder(pool).createSchema(false).build();
            return new Opened(s, () -> {
                s.close();
                pool.close();
            });
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    private Opened etcd(String spec, Map<String, String> env) {
        List<String> endpoints = new ArrayList<>();
        for (String hostPort : spec.substring("etcd://".length()).split(",")) {
            if (hostPort.isBlank()) {
                throw new InvalidRequestException("empty endpoint in --store " + spec, null);
            }
            endpoints.add("http://" + hostPort.trim());
        }
        String prefix = etcdPrefix != null ? etcdPrefix : env.getOrDefault(ENV_PREFIX, EtcdStateStore.DEFAULT_PREFIX);
        EtcdStateStore s = EtcdStateStore.builder()
                .endpoints(endpoints.toArray(String[]::new))
                .prefix(prefix)
                .build();
        return new Opened(s, s::close);
    }

    private @Nullable String password(Map<String, String> env) {
        Path file = passwordFile;
        if (file != null) {
            try {
                String text = Files.readString(file, StandardCharsets.UTF_8);
                return text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
            } catch (IOException e) {
                throw new InvalidRequestException("cannot read the password file " + file + ": " + e, null);
            }
        }
        return env.get(ENV_PASSWORD);
    }

    /** The URL without anything after '?' (a driver URL may carry a password parameter). */
    static String redacted(String url) {
        int q = url.indexOf('?');
        return q < 0 ? url : url.substring(0, q) + "?...";
    }

    /** A command line without a store, or with one osc4j cannot use. */
    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }
}
