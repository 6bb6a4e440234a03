package dev.osc4j.testkit.vitess;

import dev.osc4j.testkit.mysql.ColumnType;
import dev.osc4j.testkit.mysql.MySqlError;
import dev.osc4j.testkit.mysql.QueryHandler;
import dev.osc4j.testkit.mysql.QueryResult;
import dev.osc4j.testkit.mysql.Session;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Parses and answers the statements a VTGate client sends for Online DDL: {@code USE}, the DDL itself under an online
 * {@code @@ddl_strategy}, {@code SHOW VITESS_MIGRATIONS}, {@code ALTER VITESS_MIGRATION}, {@code SHOW VITESS_TABLETS}
 * and {@code SHOW VITESS_REPLICATION_STATUS}. Anything else gets error 1105, as VTGate answers what it does not support.
 */
final class VtgateHandler implements QueryHandler {
    private static final int FLAGS = Pattern.CASE_INSENSITIVE | Pattern.DOTALL;
    private static final Pattern USE = Pattern.compile("USE\\s+(`[^`]+`|\\S+)", FLAGS);
    private static final Pattern SHOW_MIGRATIONS = Pattern.compile(
            "SHOW\\s+VITESS_MIGRATIONS(?:\\s+(?:FROM|IN)\\s+(`[^`]+`|[A-Za-z0-9_$-]+))?"
                    + "(?:\\s+LIKE\\s+'((?:[^'\\\\]|\\\\.)*)'|\\s+WHERE\\s+(.+))?",
            FLAGS);
    private static final Pattern WHERE_CONDITION =
            Pattern.compile("`?([A-Za-z_]+)`?\\s*(=|!=|<>|LIKE|IN)\\s*(\\(.*\\)|'(?:[^'\\\\]|\\\\.)*'|[0-9.]+)", FLAGS);
    private static final Pattern QUOTED = Pattern.compile("'((?:[^'\\\\]|\\\\.)*)'|([0-9.]+)");
    private static final Pattern REVERT =
            Pattern.compile("REVERT\\s+(?:/\\*.*?\\*/\\s*)?VITESS_MIGRATION\\s+'([^']*)'", FLAGS);
    private static final Pattern SHOW_TABLETS =
            Pattern.compile("SHOW\\s+VITESS_TABLETS(?:\\s+LIKE\\s+'([^']*)')?", FLAGS);
    private static final Pattern SHOW_REPLICATION =
            Pattern.compile("SHOW\\s+VITESS_REPLICATION_STATUS(?:\\s+LIKE\\s+'([^']*)')?", FLAGS);
    private static final Pattern SHOW_THROTTLER_STATUS = Pattern.compile("SHOW\\s+VITESS_THROTTLER\\s+STATUS", FLAGS);
    private static final Pattern ALTER_MIGRATION =
            Pattern.compile("ALTER\\s+VITESS_MIGRATION\\s+'([^']*)'\\s+(.+)", FLAGS);
    private static final Pattern ALTER_ALL =
            Pattern.compile("ALTER\\s+VITESS_MIGRATION\\s+(CANCEL|COMPLETE|CLEANUP|UNTHROTTLE)\\s+ALL", FLAGS);
    private static final Pattern COMPLETE_SHARDS = Pattern.compile("COMPLETE\\s+VITESS_SHARDS\\s+'([^']*)'", FLAGS);
    private static final Pattern THROTTLE = Pattern.compile(
            "THROTTLE(?:\\s+EXPIRE\\s+'([^']*)')?(?:\\s+RATIO\\s+([0-9]+(?:\\.[0-9]*)?|\\.[0-9]+))?", FLAGS);
    private static final Pattern ALTER_TABLE = Pattern.compile(
            "ALTER\\s+TABLE\\s+((?:`[^`]+`|[A-Za-z0-9_$]+)(?:\\s*\\.\\s*(?:`[^`]+`|[A-Za-z0-9_$]+))?)\\s+(.+)", FLAGS);
    private static final Pattern UUID_FORM =
            Pattern.compile("[0-9a-f]{8}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{12}");
    private static final Pattern GO_DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)");
    private static final Set<String> KNOWN_FLAGS = Set.of(
            "allow-concurrent",
            "allow-zero-in-date",
            "analyze-table",
            "cut-over-threshold",
            "declarative",
            "fast-range-rotation",
            "force-cut-over-after",
            "in-order-completion",
            "postpone-completion",
            "postpone-launch",
            "retain-artifacts",
            "singleton",
            "singleton-context",
            "singleton-table",
            "unsafe-allow-foreign-keys",
            "prefer-instant-ddl");
    private static final Set<String> NOT_MODELLED =
            Set.of("declarative", "postpone-launch", "singleton", "singleton-context", "singleton-table");
    private static final long DEFAULT_CUTOVER_THRESHOLD_SECONDS = 10;
    /**
     * A single {@code ADD PARTITION} or {@code DROP PARTITION} and nothing else: with {@code --fast-range-rotation}, a
     * special plan on a RANGE-partitioned table (the fake assumes the table is one), run directly as an immediate
     * operation ({@code analyzeDropRangePartition}, {@code analyzeAddRangePartition} and {@code
     * analyzeSpecialAlterPlan} in go/vt/vttablet/onlineddl/analysis.go).
     */
    private static final Pattern RANGE_ROTATION = Pattern.compile(
            "ALTER\\s+TABLE\\s+\\S+\\s+(?:ADD\\s+PARTITION\\s*\\(\\s*PARTITION\\s+[^,]+\\)|DROP\\s+PARTITION\\s+[^,\\s]+)\\s*",
            FLAGS);
    /**
     * One {@code ADD COLUMN} as the last column: with {@code --prefer-instant-ddl}, eligible for ALGORITHM=INSTANT on
     * MySQL 8.0 ({@code alterOptionAvailableViaInstantDDL} in analysis.go), hence an immediate operation.
     */
    private static final Pattern INSTANT_ADD_COLUMN =
            Pattern.compile("ALTER\\s+TABLE\\s+\\S+\\s+ADD\\s+(?:COLUMN\\s+)?(?!.*\\b(?:FIRST|AFTER)\\b)[^,]+", FLAGS);

    private static final DateTimeFormatter RFC3339 =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'").withZone(ZoneOffset.UTC);

    private final VtgateState state;
    private final List<String> migrationColumns;
    private final List<String> loseResponse = new CopyOnWriteArrayList<>();
    private final List<Map.Entry<String, VtgateFault>> faults = new CopyOnWriteArrayList<>();

    VtgateHandler(VtgateState state, List<String> migrationColumns) {
        this.state = state;
        this.migrationColumns = List.copyOf(migrationColumns);
    }

    void loseNextResponse(String statementPrefix) {
        loseResponse.add(statementPrefix.toUpperCase(Locale.ROOT));
    }

    void failNext(String statementPrefix, VtgateFault fault) {
        faults.add(Map.entry(statementPrefix.toUpperCase(Locale.ROOT), fault));
    }

    /** The fault queued for a statement starting like {@code text}, removed from the queue, or null. */
    private @Nullable VtgateFault takeFault(String text) {
        String upper = text.toUpperCase(Locale.ROOT);
        Map.Entry<String, VtgateFault> hit = null;
        for (Map.Entry<String, VtgateFault> f : faults) {
            if (upper.startsWith(f.getKey())) {
                hit = f;
                break;
            }
        }
        return hit != null && faults.remove(hit) ? hit.getValue() : null;
    }

    @Override
    public QueryResult handle(Session session, String sql) throws MySqlError {
        String text = sql.strip();
        while (text.endsWith(";")) {
            text = text.substring(0, text.length() - 1).strip();
        }
        state.recordStatement(session.database().orElse(""), text);
        VtgateFault fault = takeFault(text);
        if (fault != null) {
            VtgateTarget target = VtgateTarget.parse(session.database().orElse(null));
            String keyspace = target == null ? "" : target.keyspace();
            String shard = target == null || target.shard() == null
                    ? (state.hasKeyspace(keyspace) ? state.shardsOf(keyspace).get(0) : "0")
                    : target.shard();
            throw fault.error(keyspace, shard);
        }
        boolean lose = takeLoss(text);
        QueryResult result;
        try {
            result = dispatch(session, text);
        } catch (MySqlError e) {
            if (lose) {
                return QueryResult.dropConnection();
            }
            throw e;
        }
        return lose ? QueryResult.dropConnection() : result;
    }

    private boolean takeLoss(String text) {
        String upper = text.toUpperCase(Locale.ROOT);
        String hit = null;
        for (String prefix : loseResponse) {
            if (upper.startsWith(prefix)) {
                hit = prefix;
                break;
            }
        }
        return hit != null && loseResponse.remove(hit);
    }

    private QueryResult dispatch(Session session, String text) throws MySqlError {
        Matcher use = USE.matcher(text);
        if (use.matches()) {
            session.setDatabase(unquote(use.group(1)));
            return QueryResult.ok();
        }
        Matcher show = SHOW_MIGRATIONS.matcher(text);
        if (show.matches()) {
            return showMigrations(session, show.group(1), show.group(2), show.group(3));
        }
        Matcher tablets = SHOW_TABLETS.matcher(text);
        if (tablets.matches()) {
            return showTablets(tablets.group(1));
        }
        Matcher replication = SHOW_REPLICATION.matcher(text);
        if (replication.matches()) {
            return showReplicationStatus(replication.group(1));
        }
        Matcher all = ALTER_ALL.matcher(text);
        if (all.matches()) {
            String word = all.group(1).toUpperCase(Locale.ROOT);
            if (word.equals("UNTHROTTLE")) {
                state.throttleApp(target(session).keyspace(), null, 0, Duration.ZERO);
                return QueryResult.ok();
            }
            VtgateTarget target = primaryTarget(session, "ALTER VITESS_MIGRATION");
            long affected = state.alter(target.keyspace(), shards(target), null, VtgateState.Verb.valueOf(word));
            return QueryResult.ok(affected);
        }
        Matcher throttlerStatus = SHOW_THROTTLER_STATUS.matcher(text);
        if (throttlerStatus.matches()) {
            return showThrottlerStatus(session);
        }
        Matcher alter = ALTER_MIGRATION.matcher(text);
        if (alter.matches()) {
            return alterMigration(session, alter.group(1), alter.group(2).strip());
        }
        Matcher revert = REVERT.matcher(text);
        if (revert.matches()) {
            return revert(session, revert.group(1));
        }
        Matcher ddl = ALTER_TABLE.matcher(text);
        if (ddl.matches()) {
            return submit(session, text, lastPart(ddl.group(1)));
        }
        throw MySqlError.unsupported(text);
    }

    // ---- targets ----

    private VtgateTarget target(Session session) throws MySqlError {
        VtgateTarget target = VtgateTarget.parse(session.database().orElse(null));
        if (target == null) {
            throw new MySqlError(
                    1046,
                    "3D000",
                    "VT09005: no database selected: use keyspace<:shard><@type> or keyspace<[range]><@type>"
                            + " (<> are optional)");
        }
        checkKeyspace(target.keyspace());
        String shard = target.shard();
        if (shard != null && !state.shardsOf(target.keyspace()).contains(shard)) {
            throw MySqlError.unknownError("target: " + target.keyspace() + "." + shard + "." + target.tabletType()
                    + ": no healthy tablet available for 'keyspace:\"" + target.keyspace() + "\" shard:\"" + shard
                    + "\"'");
        }
        return target;
    }

    private VtgateTarget primaryTarget(Session session, String what) throws MySqlError {
        VtgateTarget target = target(session);
        if (!target.primary()) {
            throw MySqlError.unknownError("VT09006: " + what + " works only on primary tablet");
        }
        return target;
    }

    private void checkKeyspace(String keyspace) throws MySqlError {
        if (!state.hasKeyspace(keyspace)) {
            throw new MySqlError(1049, "42000", "VT05003: unknown database '" + keyspace + "' in vschema");
        }
    }

    private List<String> shards(VtgateTarget target) {
        String shard = target.shard();
        return shard == null ? state.shardsOf(target.keyspace()) : List.of(shard);
    }

    // ---- SHOW VITESS_MIGRATIONS ----

    private QueryResult showMigrations(
            Session session, @Nullable String from, @Nullable String like, @Nullable String where) throws MySqlError {
        VtgateTarget target;
        if (from != null) {
            target = new VtgateTarget(unquote(from), null, "primary");
            checkKeyspace(target.keyspace());
        } else {
            target = primaryTarget(session, "SHOW");
        }
        Predicate<FakeMigration> filter;
        if (where != null) {
            filter = wherePredicate(where, state.now());
        } else {
            Predicate<String> matches = like == null ? s -> true : likePredicate(like);
            filter = r -> matches.test(r.uuid) || matches.test(r.context) || matches.test(r.status.sql());
        }
        List<String> order = state.shardsOf(target.keyspace());
        List<FakeMigration> rows = new ArrayList<>(state.select(target.keyspace(), shards(target), filter));
        rows.sort(Comparator.comparingInt((FakeMigration r) -> order.indexOf(r.shard))
                .thenComparingLong(r -> r.id));
        return MigrationColumns.render(migrationColumns, rows, state.now());
    }

    /**
     * {@code WHERE} as the tablet runs it against {@code _vt.schema_migrations}, for the forms a client uses: {@code
     * column = 'v'}, {@code column != 'v'}, {@code column LIKE 'v'}, {@code column IN ('a', 'b')}, joined by AND.
     */
    private static Predicate<FakeMigration> wherePredicate(String where, java.time.Instant now) throws MySqlError {
        Predicate<FakeMigration> all = m -> true;
        for (String part : where.strip().split("(?i)\\s+AND\\s+")) {
            Matcher m = WHERE_CONDITION.matcher(part.strip());
            if (!m.matches() || !MigrationColumns.known(m.group(1).toLowerCase(Locale.ROOT))) {
                throw MySqlError.unsupported("WHERE condition '" + part.strip() + "' in the fake VTGate");
            }
            String column = m.group(1).toLowerCase(Locale.ROOT);
            String op = m.group(2).toUpperCase(Locale.ROOT);
            List<String> values = new ArrayList<>();
            Matcher v = QUOTED.matcher(m.group(3));
            while (v.find()) {
                values.add(v.group(1) != null ? v.group(1) : v.group(2));
            }
            Predicate<String> test =
                    switch (op) {
                        case "=" -> s -> s.equalsIgnoreCase(values.get(0));
                        case "!=", "<>" -> s -> !s.equalsIgnoreCase(values.get(0));
                        case "LIKE" -> likePredicate(values.get(0));
                        default -> s -> values.stream().anyMatch(s::equalsIgnoreCase);
                    };
            all = all.and(r -> {
                Object value = MigrationColumns.value(column, r, now);
                return value != null && test.test(String.valueOf(value));
            });
        }
        return all;
    }

    /** MySQL LIKE with the default case-insensitive collation and backslash escapes. */
    static Predicate<String> likePredicate(String like) {
        StringBuilder regex = new StringBuilder();
        for (int i = 0; i < like.length(); i++) {
            char c = like.charAt(i);
            if (c == '\\' && i + 1 < like.length()) {
                regex.append(Pattern.quote(String.valueOf(like.charAt(++i))));
            } else if (c == '%') {
                regex.append(".*");
            } else if (c == '_') {
                regex.append('.');
            } else {
                regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        Pattern p = Pattern.compile(regex.toString(), Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
        return s -> p.matcher(s).matches();
    }

    // ---- ALTER VITESS_MIGRATION ----

    private QueryResult alterMigration(Session session, String uuid, String rest) throws MySqlError {
        String verbWord = rest.split("\\s+", 2)[0].toUpperCase(Locale.ROOT);
        Matcher throttle = THROTTLE.matcher(rest);
        if (throttle.matches() || rest.equalsIgnoreCase("UNTHROTTLE")) {
            // Planned before the tablet type is checked, for the keyspace, whatever the shard: a topo rule.
            VtgateTarget target = target(session);
            if (!verbWord.equals("UNTHROTTLE")) {
                String ratioText = throttle.group(2);
                double ratio = ratioText == null ? 1.0 : Double.parseDouble(ratioText);
                if (ratio < 0 || ratio > 1) {
                    throw MySqlError.unknownError("invalid RATIO value: " + ratioText
                            + ". Try any decimal number between '0.0' (no throttle) and `1.0` (fully throttled)");
                }
                String expireText = throttle.group(1);
                state.throttleApp(target.keyspace(), uuid, ratio, expireText == null ? null : goDuration(expireText));
            } else {
                state.throttleApp(target.keyspace(), uuid, 0, Duration.ZERO);
            }
            return QueryResult.ok();
        }
        VtgateTarget target = primaryTarget(session, "ALTER VITESS_MIGRATION");
        if (!UUID_FORM.matcher(uuid).matches()) {
            throw MySqlError.unknownError("Not a valid migration ID in " + verbWord + ": " + uuid);
        }
        List<String> shards = shards(target);
        VtgateState.Verb verb;
        Matcher completeShards = COMPLETE_SHARDS.matcher(rest);
        if (completeShards.matches()) {
            List<String> chosen = new ArrayList<>();
            for (String s : completeShards.group(1).split(",")) {
                String name = s.strip();
                if (!name.isEmpty()) {
                    if (!state.shardsOf(target.keyspace()).contains(name)) {
                        throw MySqlError.unknownError("unknown shard " + name + " in VITESS_SHARDS");
                    }
                    chosen.add(name);
                }
            }
            shards = shards.stream().filter(chosen::contains).toList();
            verb = VtgateState.Verb.COMPLETE;
        } else {
            switch (rest.toUpperCase(Locale.ROOT)) {
                case "RETRY" -> verb = VtgateState.Verb.RETRY;
                case "CLEANUP" -> verb = VtgateState.Verb.CLEANUP;
                case "CANCEL" -> verb = VtgateState.Verb.CANCEL;
                case "COMPLETE" -> verb = VtgateState.Verb.COMPLETE;
                default -> throw MySqlError.unsupported("ALTER VITESS_MIGRATION ... " + rest + " in the fake VTGate");
            }
        }
        return QueryResult.ok(state.alter(target.keyspace(), shards, uuid, verb));
    }

    // ---- SHOW VITESS_THROTTLER STATUS ----

    /**
     * One row per primary of the keyspace: {@code shard}, {@code enabled} (1 when the tablet throttler is enabled and
     * ready), {@code threshold}, {@code query} ({@code execShowThrottlerStatus} in
     * go/vt/vttablet/tabletserver/query_executor.go; primaries only, VT09010 otherwise).
     */
    private QueryResult showThrottlerStatus(Session session) throws MySqlError {
        VtgateTarget target = target(session);
        if (!target.primary()) {
            throw MySqlError.unknownError("VT09010: SHOW VITESS_THROTTLER STATUS works only on primary tablet");
        }
        boolean enabled = state.throttlerEnabled(target.keyspace());
        QueryResult.RowsBuilder b = QueryResult.resultSet()
                .column("shard", ColumnType.VARCHAR)
                .column("enabled", ColumnType.LONG)
                .column("threshold", ColumnType.DOUBLE)
                .column("query", ColumnType.VARCHAR);
        for (String shard : shards(target)) {
            b.row(
                    shard,
                    enabled ? 1 : 0,
                    (double) state.throttleThreshold().toSeconds(),
                    "select unix_timestamp(now(6))-max(ts/1000000000) as replication_lag from _vt.heartbeat");
        }
        return b.build();
    }

    private static Duration goDuration(String text) throws MySqlError {
        Matcher m = GO_DURATION.matcher(text);
        Duration total = Duration.ZERO;
        int end = 0;
        while (m.find(end) && m.start() == end) {
            double amount = Double.parseDouble(m.group(1));
            long millis =
                    switch (m.group(2)) {
                        case "ms" -> (long) amount;
                        case "s" -> (long) (amount * 1000);
                        case "m" -> (long) (amount * 60_000);
                        default -> (long) (amount * 3_600_000);
                    };
            total = total.plusMillis(millis);
            end = m.end();
        }
        if (end != text.length() || text.isEmpty()) {
            throw MySqlError.unknownError("invalid EXPIRE value: " + text
                    + ". Try '120s', '30m', '1h', etc. Allowed units are (s)ec, (m)in, (h)hour");
        }
        return total;
    }

    // ---- the DDL ----

    private QueryResult submit(Session session, String statement, String table) throws MySqlError {
        VtgateTarget target = primaryTarget(session, "online DDL");
        String strategySetting =
                session.stringVariable("ddl_strategy").orElse("direct").strip();
        String[] words = strategySetting.isEmpty() ? new String[] {"direct"} : strategySetting.split("\\s+");
        String strategy = words[0].toLowerCase(Locale.ROOT);
        boolean mysqlStrategy = strategy.equals("mysql");
        if (!strategy.equals("vitess") && !strategy.equals("online") && !mysqlStrategy) {
            throw MySqlError.unsupported("ddl_strategy '" + strategy
                    + "' in the fake VTGate; it runs online DDL only: SET @@ddl_strategy='vitess ...' (or 'mysql')");
        }
        boolean postpone = false;
        boolean concurrent = false;
        boolean fastRangeRotation = false;
        boolean preferInstant = false;
        long cutoverThresholdSeconds = DEFAULT_CUTOVER_THRESHOLD_SECONDS;
        List<String> options = new ArrayList<>();
        for (int i = 1; i < words.length; i++) {
            String flag = words[i];
            String name = flag.replaceFirst("^--?", "").replaceFirst("=.*$", "");
            if (!flag.startsWith("-") || !KNOWN_FLAGS.contains(name)) {
                throw MySqlError.unknownError("invalid flags for " + strategy + " strategy: " + flag);
            }
            if (NOT_MODELLED.contains(name)) {
                throw MySqlError.unsupported("--" + name + " in the fake VTGate");
            }
            postpone |= name.equals("postpone-completion");
            concurrent |= name.equals("allow-concurrent");
            fastRangeRotation |= name.equals("fast-range-rotation");
            preferInstant |= name.equals("prefer-instant-ddl");
            if (name.equals("cut-over-threshold")) {
                cutoverThresholdSeconds = cutoverThreshold(flag);
            }
            options.add(flag);
        }
        boolean rotation =
                fastRangeRotation && RANGE_ROTATION.matcher(statement).matches();
        boolean instant = preferInstant && INSTANT_ADD_COLUMN.matcher(statement).matches();
        // 'mysql': the executor runs the ALTER itself, directly, with no shadow table (executeAlterDDLActionMigration
        // in
        // go/vt/vttablet/onlineddl/executor.go), which the fake models as an immediate operation
        boolean immediate = rotation || instant || mysqlStrategy;
        String context = session.stringVariable("migration_context").orElse("");
        if (context.isEmpty()) {
            byte[] seed = ("session-" + session.connectionId()).getBytes(StandardCharsets.UTF_8);
            context = "vtgate:" + UUID.nameUUIDFromBytes(seed);
        }
        String uuid = state.submit(
                target.keyspace(),
                shards(target),
                table,
                statement,
                mysqlStrategy ? "mysql" : "vitess",
                String.join(" ", options),
                postpone,
                concurrent,
                immediate,
                cutoverThresholdSeconds,
                context,
                null);
        return QueryResult.resultSet()
                .column("uuid", ColumnType.VARCHAR)
                .row(uuid)
                .build();
    }

    /**
     * {@code REVERT VITESS_MIGRATION '<uuid>'}: a new migration (new uuid, one row per target shard) that reverts
     * {@code uuid} when it runs. VTGate forces the online strategy (the row's {@code strategy} is {@code online}), keeps the session's strategy flags, and uses the
     * context {@code vtgate:<session uuid>}, not {@code @@migration_context} ({@code RevertMigration.TryExecute} in
     * go/vt/vtgate/engine/revert_migration.go); the tablet validates the revert only when it runs it.
     */
    private QueryResult revert(Session session, String revertedUuid) throws MySqlError {
        VtgateTarget target = primaryTarget(session, "REVERT");
        if (!UUID_FORM.matcher(revertedUuid).matches()) {
            throw MySqlError.unknownError("Not a valid migration ID in REVERT: " + revertedUuid);
        }
        String strategySetting =
                session.stringVariable("ddl_strategy").orElse("direct").strip();
        String[] words = strategySetting.split("\\s+");
        List<String> options = new ArrayList<>();
        boolean postpone = false;
        for (int i = 1; i < words.length; i++) {
            options.add(words[i]);
            postpone |= words[i].replaceFirst("^--?", "").equals("postpone-completion");
        }
        byte[] seed = ("session-" + session.connectionId()).getBytes(StandardCharsets.UTF_8);
        String uuid = state.submit(
                target.keyspace(),
                shards(target),
                "",
                "revert vitess_migration '" + revertedUuid + "'",
                "online",
                String.join(" ", options),
                postpone,
                false,
                false,
                DEFAULT_CUTOVER_THRESHOLD_SECONDS,
                "vtgate:" + UUID.nameUUIDFromBytes(seed),
                revertedUuid);
        return QueryResult.resultSet()
                .column("uuid", ColumnType.VARCHAR)
                .row(uuid)
                .build();
    }

    /**
     * The seconds of {@code --cut-over-threshold=<d>}: 0 means the default 10 s; from v22 a value outside 5 s..30 s
     * is refused at submission (minCutOverThreshold, maxCutOverThreshold and safeMigrationCutOverThreshold in
     * go/vt/vttablet/onlineddl/executor.go and its TestSafeMigrationCutOverThreshold; the v23 ddl_strategy flags
     * documentation: "Attempting to set a value outside the allowed range returns an error").
     */
    private long cutoverThreshold(String flag) throws MySqlError {
        int eq = flag.indexOf('=');
        String text = eq < 0 ? "" : flag.substring(eq + 1);
        Duration d;
        try {
            d = text.equals("0") ? Duration.ZERO : goDuration(text);
        } catch (MySqlError e) {
            throw MySqlError.unknownError("invalid cut-over threshold value: " + text);
        }
        if (d.isZero()) {
            return DEFAULT_CUTOVER_THRESHOLD_SECONDS;
        }
        if (state.vitessVersion() >= 22
                && (d.compareTo(Duration.ofSeconds(5)) < 0 || d.compareTo(Duration.ofSeconds(30)) > 0)) {
            throw MySqlError.unknownError("invalid cut-over threshold value: " + text
                    + ". Allowed range is 5s..30s, or 0 for the default (10s)");
        }
        return d.toSeconds();
    }

    // ---- topology ----

    private QueryResult showTablets(@Nullable String like) {
        Predicate<String> hostMatches = like == null ? s -> true : likePredicate(like);
        QueryResult.RowsBuilder b = QueryResult.resultSet();
        for (String c : List.of(
                "Cell", "Keyspace", "Shard", "TabletType", "State", "Alias", "Hostname", "PrimaryTermStartTime")) {
            b.column(c, ColumnType.VARCHAR);
        }
        var topology = state.topology();
        for (String ks : topology.keyspaces()) {
            for (String shard : topology.shards(ks)) {
                String host = topology.primary(ks, shard);
                Instant since = topology.primarySince(ks, shard);
                if (hostMatches.test(host)) {
                    b.row(
                            state.cell(),
                            ks,
                            shard,
                            "PRIMARY",
                            "SERVING",
                            state.primaryAlias(ks, shard),
                            host,
                            RFC3339.format(since));
                }
                for (String replica : topology.replicas(ks, shard)) {
                    if (hostMatches.test(replica)) {
                        b.row(state.cell(), ks, shard, "REPLICA", "SERVING", state.replicaAlias(replica), replica, "");
                    }
                }
            }
        }
        return b.build();
    }

    private QueryResult showReplicationStatus(@Nullable String like) {
        Predicate<String> matches = like == null ? s -> true : likePredicate(like);
        QueryResult.RowsBuilder b = QueryResult.resultSet();
        for (String c : List.of(
                "Keyspace",
                "Shard",
                "TabletType",
                "Alias",
                "Hostname",
                "ReplicationSource",
                "ReplicationHealth",
                "ReplicationLag",
                "ThrottlerStatus")) {
            b.column(c, ColumnType.VARCHAR);
        }
        var topology = state.topology();
        for (String ks : topology.keyspaces()) {
            for (String shard : topology.shards(ks)) {
                if (!matches.test(ks + "/" + shard)) {
                    continue;
                }
                boolean stopped = topology.replicationStopped(ks, shard);
                Duration lag = topology.replicaLag(ks, shard);
                String running = stopped ? "No" : "Yes";
                String health = "{\"EventStreamRunning\":\"" + running + "\",\"EventApplierRunning\":\"" + running
                        + "\",\"LastError\":\"\"}";
                for (String replica : topology.replicas(ks, shard)) {
                    b.row(
                            ks,
                            shard,
                            "REPLICA",
                            state.replicaAlias(replica),
                            replica,
                            topology.primary(ks, shard) + ":3306",
                            health,
                            stopped ? "NULL" : Long.toString(lag.toSeconds()),
                            "");
                }
            }
        }
        return b.build();
    }

    private static String unquote(String ident) {
        return ident.startsWith("`") && ident.endsWith("`") && ident.length() >= 2
                ? ident.substring(1, ident.length() - 1)
                : ident;
    }

    private static String lastPart(String qualified) {
        String[] parts = qualified.split("\\s*\\.\\s*");
        return unquote(parts[parts.length - 1].strip());
    }
}
