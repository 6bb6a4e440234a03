package dev.osc4j.testkit.sim;

import dev.osc4j.AutoRevert;
import dev.osc4j.CutoverMode;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.ShardRecord;
import dev.osc4j.WindowSchedule;
import dev.osc4j.internal.DefaultMigrationOrchestrator.Mutation;
import dev.osc4j.testkit.SettableClock;
import dev.osc4j.testkit.Simulation;
import dev.osc4j.testkit.sim.Scenario.MigrationShape;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * A deterministic simulator of whole fleets under faults, in the manner of FoundationDB's and TigerBeetle's simulation
 * testing: several controllers share one in-memory store and one fake engine on a {@link SettableClock}; each step
 * (one simulated second) applies the faults its {@link Scenario} schedules there, runs one reconcile pass of every live
 * controller ({@link Simulation#pass}, the loop's deterministic driver), and moves the clock. One seed decides
 * everything, so a failure replays from its seed ({@code -Dosc4j.sim.seed=...} in the tests).
 *
 * <p>Invariants are checked as the run goes, at every store write and every engine call, not only at the end:
 *
 * <ul>
 *   <li><b>fencing</b>: writes of one lease epoch come from one controller, and no epoch writes after a later one;
 *   <li><b>lease</b>: an engine side effect comes from the controller that holds the migration's lease then;
 *   <li><b>edges</b>: every change of a migration's or a shard's state is an edge of the transition table;
 *   <li><b>barrier</b>: no shard is released or switches while another shard of its migration is not ready;
 *   <li><b>window</b>: no shard is released or switches outside its migration's cut-over schedule, or less than the
 *       expected cut-over time before the schedule closes;
 *   <li><b>write-ahead</b>: an engine run starts, and a cut-over is released, only under a matching intent that is
 *       already durable in the store; no run of one attempt of a shard is created twice, none after its cleanup;
 *   <li><b>recorded</b>: at the end of every step, every run that left tables is named by its migration's record;
 *   <li><b>pass</b>: a reconcile pass never throws (one migration's error stays that migration's);
 *   <li><b>directive</b>: an operator's directive is answered or refused with a typed error, never a bare exception;
 *   <li><b>audit</b>: every trail is gap-free and only table edges (checked every 50 steps and at the end);
 *   <li><b>routing</b>: with a traffic switch, a shard is released for its swap only with its traffic held, and no
 *       traffic stays held for a shard that is terminal or in its revert window;
 *   <li><b>reverted</b>: a forward shard goes REVERTED only once its revert's shard COMPLETED;
 *   <li><b>kept</b>: the original table and reverse triggers an engine keeps for a revert exist only for a shard in its
 *       revert window (or swapped and not yet recorded);
 *   <li><b>one-window</b>: no two forward migrations of one table are in their revert windows at once;
 *   <li><b>liveness</b>: once faults stop and an operator tidies up (resumes, approves, releases, retries a failed
 *       migration twice, then aborts it), every migration, reverts included, ends COMPLETED, ABORTED or REVERTED
 *       within {@link #SETTLE_STEPS} steps (revert windows end on their own), and no table an engine created is left.
 * </ul>
 *
 * <p>Migrations run on two fake engines, one that can revert ({@link #REVERT_ENGINE}) and one that cannot; a revert
 * an operator or a health signal starts is tracked and driven like any migration.
 *
 * <p>{@link #shrink} reduces a failing scenario's fault schedule (delta debugging) to a short one that still breaks
 * the same invariant, and {@link Result#report()} prints it as a ready-to-run test. {@link #withMutations} builds the
 * controllers with deliberate bugs, to show that the invariants catch them.
 */
public final class FaultSimulator {
    /** Steps after the faults stop within which every migration must end. */
    public static final int SETTLE_STEPS = 1_800;

    static final Duration LEASE_TTL = Duration.ofSeconds(6);

    /** The copy schedule of a windowed migration: copies start from 30 s after midnight UTC (the run starts at 00:00). */
    public static final String COPY_SCHEDULE = "daily 00:00:30-23:00 UTC";

    /** The cut-over schedule of a windowed migration: any of two windows, each long enough for a 1-minute cut-over. */
    public static final String CUTOVER_SCHEDULE = "any: daily 00:02-00:04 UTC, daily 00:06-00:40 UTC";

    static final long ROWS_PER_SECOND = 1_000;

    /** The name of the fleet's second engine, which can revert a swap (migrations choose it by their shape). */
    public static final String REVERT_ENGINE = "fake-revert";

    /** The name of the scripted health signal every controller registers. */
    public static final String HEALTH_SIGNAL = "sim-health";

    private final Set<Mutation> mutations;

    private FaultSimulator(Set<Mutation> mutations) {
        this.mutations = mutations;
    }

    /** A simulator of osc4j as built. */
    public static FaultSimulator create() {
        return new FaultSimulator(Set.of());
    }

    /** A simulator whose controllers carry deliberate bugs (the mutation check). */
    public static FaultSimulator withMutations(Set<Mutation> value) {
        return new FaultSimulator(value.isEmpty() ? Set.of() : EnumSet.copyOf(value));
    }

    /**
     * A broken invariant.
     *
     * @param step the step at which it was seen
     * @param invariant which invariant (see the class comment)
     * @param detail what was seen
     */
    public record Violation(int step, String invariant, String detail) {
        @Override
        public String toString() {
            return invariant + " broken at step " + step + ": " + detail;
        }
    }

    /**
     * What a run did.
     *
     * @param scenario the scenario run
     * @param violation the first broken invariant, or null
     * @param steps steps run
     * @param writes store writes committed
     * @param engineCalls engine side effects performed
     * @param faults faults applied
     * @param directives directives sent
     * @param crashes controllers that died
     * @param completed migrations that ended COMPLETED
     * @param aborted migrations that ended ABORTED
     * @param reverts revert migrations created (by an operator or a health signal)
     * @param reverted forward migrations that ended REVERTED
     * @param revertsAsked revert directives an operator sent (most are refused: no window is open then)
     * @param trace what happened, step by step (states that changed, faults, directives), for replay comparisons
     */
    public record Result(
            Scenario scenario,
            @Nullable Violation violation,
            int steps,
            long writes,
            long engineCalls,
            int faults,
            int directives,
            int crashes,
            int completed,
            int aborted,
            int reverts,
            int reverted,
            int revertsAsked,
            List<String> trace) {

        /** Whether every invariant held. */
        public boolean held() {
            return violation == null;
        }

        /** The name of the broken invariant, or {@code "none"}. */
        public String brokenInvariant() {
            Violation v = violation;
            return v == null ? "none" : v.invariant();
        }

        /** The violation and the scenario as a test that replays it. */
        public String report() {
            if (violation == null) {
                return "seed " + scenario.seed() + ": all invariants held";
            }
            return "osc4j fault simulator: seed " + scenario.seed() + " ("
                    + scenario.faults().size() + " fault(s)) "
                    + violation + "\nReplay with -Dosc4j.sim.seed=" + scenario.seed() + ", or as a test:\n\n"
                    + "    @Test\n    void seed" + Long.toUnsignedString(scenario.seed()) + "() {\n"
                    + "        FaultSimulator.assertHolds(" + scenario.toJava().replace("\n", "\n        ") + ");\n"
                    + "    }\n";
        }
    }

    /** Runs {@code scenario} with osc4j as built and throws an {@link AssertionError} with the report if it breaks. */
    public static void assertHolds(Scenario scenario) {
        Result r = create().run(scenario);
        if (!r.held()) {
            throw new AssertionError(r.report());
        }
    }

    /** Runs one scenario. Deterministic: the same scenario gives the same result and trace. */
    public Result run(Scenario scenario) {
        return new SimRun(scenario, mutations).run();
    }

    /**
     * Shrinks a failing scenario: removes faults from its schedule (delta debugging, at most {@code maxRuns} runs) as
     * long as the same invariant still breaks, and returns the result of the smallest schedule found.
     */
    public Result shrink(Result failing, int maxRuns) {
        Violation v = failing.violation();
        if (v == null) {
            throw new IllegalArgumentException("seed " + failing.scenario().seed() + " did not fail");
        }
        Result best = failing;
        List<Scenario.Timed> faults = failing.scenario().faults();
        int runs = 0;
        int n = 2;
        while (!faults.isEmpty() && runs < maxRuns) {
            boolean reduced = false;
            int chunk = Math.max(1, (faults.size() + n - 1) / n);
            for (int start = 0; start < faults.size() && runs < maxRuns; start += chunk) {
                List<Scenario.Timed> rest = new ArrayList<>(faults.subList(0, start));
                rest.addAll(faults.subList(Math.min(faults.size(), start + chunk), faults.size()));
                Result r = run(failing.scenario().withFaults(rest));
                runs++;
                if (r.brokenInvariant().equals(v.invariant())) {
                    best = r;
                    faults = rest;
                    n = Math.max(n - 1, 2);
                    reduced = true;
                    break;
                }
            }
            if (!reduced) {
                if (chunk == 1) {
                    break;
                }
                n = Math.min(n * 2, faults.size());
            }
        }
        return best;
    }

    /** The invariants' names, as {@link Violation#invariant()} gives them. */
    public static List<String> invariants() {
        return List.of(
                "fencing",
                "lease",
                "edges",
                "barrier",
                "window",
                "write-ahead",
                "recorded",
                "pass",
                "directive",
                "audit",
                "liveness",
                "cleanup",
                "routing",
                "reverted",
                "kept",
                "one-window");
    }

    /** Sorted map helper for the trace: state of each migration as a short string. */
    static String describe(MigrationRecord r) {
        Map<MigrationState, Integer> counts = new TreeMap<>();
        for (ShardRecord s : r.shards()) {
            counts.merge(s.state(), 1, Integer::sum);
        }
        return r.id().value() + "=" + r.state() + counts + (r.hasPendingIntents() ? "+intents" : "");
    }

    static MigrationPolicy policy(MigrationShape m) {
        MigrationPolicy.Builder b = MigrationPolicy.builder()
                .requireStartApproval(m.startApproval())
                .requireCutoverApproval(m.cutoverApproval())
                .cutoverMode(m.manualCutover() ? CutoverMode.MANUAL : CutoverMode.AUTOMATIC);
        if (m.failOnStall()) {
            b.failOnStall(true).stallTimeout(Duration.ofSeconds(30));
        }
        if (m.windowed()) {
            b.copySchedule(WindowSchedule.parse(COPY_SCHEDULE))
                    .cutoverSchedule(WindowSchedule.parse(CUTOVER_SCHEDULE))
                    .expectedCutoverTime(Duration.ofMinutes(1));
        }
        Scenario.Reverting rv = m.reverting();
        if (rv.revertEngine()) {
            // Never the default of 24 h: every window must end within the run.
            b.revertWindow(Duration.ofSeconds(rv.windowSeconds()));
        }
        b.autoRetries(rv.autoRetries()).fallbackOnFailure(rv.fallbackOnFailure());
        if (m.rollout() != null) {
            b.rollout(m.rollout());
        }
        Scenario.Health h = rv.health();
        if (h != null) {
            b.autoRevert(new AutoRevert(
                    List.of(HEALTH_SIGNAL),
                    Duration.ofSeconds(h.bakeSeconds()),
                    Duration.ofSeconds(h.intervalSeconds()),
                    h.failureLimit(),
                    h.errorLimit()));
        }
        return b.build();
    }

    /** The DDL of a migration: a column added (revertible) or, for some, a column dropped (not revertible). */
    static String ddl(MigrationShape m) {
        return m.reverting().irreversibleDdl()
                ? "ALTER TABLE orders DROP COLUMN legacy"
                : "ALTER TABLE orders ADD COLUMN note VARCHAR(64)";
    }

    static String keyspace(int migration) {
        return "ks" + migration;
    }
}
