package dev.osc4j.testkit.sim;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.jspecify.annotations.Nullable;

/**
 * Everything one simulated run does, decided by one seed: the fleet (controllers, migrations, their shards, sizes and
 * policies) and the schedule of faults. {@link #withFaults} keeps the fleet and replaces the schedule, which is how a
 * failure is shrunk and how a shrunk failure is replayed.
 *
 * @param seed the seed the scenario was generated from
 * @param controllers how many controllers share the store (1 to 3)
 * @param trafficSwitch whether the controllers hold and restore traffic around each swap through one shared {@link
 *     dev.osc4j.testkit.FakeTrafficSwitch}
 * @param migrations the migrations, on a keyspace of their own or on an earlier migration's table
 * @param faults the fault schedule, by step
 */
public record Scenario(
        long seed, int controllers, boolean trafficSwitch, List<MigrationShape> migrations, List<Timed> faults) {

    /** Steps (of one simulated second) during which faults happen; afterwards everything heals. */
    public static final int FAULT_STEPS = 120;

    /** What an operator sends to a forward migration (the acknowledgement comes from the third stream). */
    private static final List<Fault.DirectiveKind> DIRECTIVES = List.of(
            Fault.DirectiveKind.PAUSE,
            Fault.DirectiveKind.RESUME,
            Fault.DirectiveKind.THROTTLE,
            Fault.DirectiveKind.ABORT,
            Fault.DirectiveKind.RETRY,
            Fault.DirectiveKind.APPROVE_START,
            Fault.DirectiveKind.APPROVE_CUTOVER,
            Fault.DirectiveKind.RELEASE);

    /** What an operator sends to a revert: everything, with aborts and approvals twice as likely. */
    private static final List<Fault.DirectiveKind> REVERT_DIRECTIVES = List.of(
            Fault.DirectiveKind.PAUSE,
            Fault.DirectiveKind.RESUME,
            Fault.DirectiveKind.THROTTLE,
            Fault.DirectiveKind.ABORT,
            Fault.DirectiveKind.ABORT,
            Fault.DirectiveKind.RETRY,
            Fault.DirectiveKind.APPROVE_START,
            Fault.DirectiveKind.APPROVE_CUTOVER,
            Fault.DirectiveKind.APPROVE_CUTOVER,
            Fault.DirectiveKind.RELEASE);

    /** The most shards a migration gets. */
    public static final int MAX_SHARDS = 64;

    /** Copies the lists and orders the schedule by step (a stable sort: faults of one step keep their order). */
    public Scenario {
        migrations = List.copyOf(migrations);
        List<Timed> sorted = new ArrayList<>(faults);
        sorted.sort(Comparator.comparingInt(Timed::step));
        faults = List.copyOf(sorted);
    }

    /**
     * One migration of the fleet.
     *
     * @param rowsPerShard rows of each shard, in shard order
     * @param startApproval whether the start waits for an approval
     * @param cutoverApproval whether the cut-over waits for an approval
     * @param manualCutover whether the cut-over waits for a release
     * @param failOnStall whether a stalled shard fails
     * @param submitStep the step at which it is submitted
     * @param windowed whether its copy and cut-over wait for schedules ({@link FaultSimulator#COPY_SCHEDULE},
     *     {@link FaultSimulator#CUTOVER_SCHEDULE})
     * @param reverting what it does after its swap and on failure (its engine, revert window, retries, fallback, health
     *     signal), and which table it changes
     * @param rollout its staged rollout (a canary wave, a bake, then waves), or null for every shard at once
     */
    public record MigrationShape(
            List<Long> rowsPerShard,
            boolean startApproval,
            boolean cutoverApproval,
            boolean manualCutover,
            boolean failOnStall,
            int submitStep,
            boolean windowed,
            Reverting reverting,
            dev.osc4j.@Nullable Rollout rollout) {
        /** Copies the list. */
        public MigrationShape {
            rowsPerShard = List.copyOf(rowsPerShard);
        }
    }

    /**
     * A migration's revert and fallback settings.
     *
     * @param revertEngine whether it runs on the engine that can revert ({@link FaultSimulator#REVERT_ENGINE}) rather
     *     than the one that cannot ({@link dev.osc4j.testkit.FakeEngine#DEFAULT_NAME})
     * @param windowSeconds its policy's revert window; 0: none (on the engine that can revert, the window is set to
     *     zero; on the other it is left unset)
     * @param irreversibleDdl whether its DDL drops a column, so it is not made revertible whatever its window
     * @param autoRetries the policy's automatic retries
     * @param fallbackOnFailure whether a final failure runs the fallback chain (an abort) without an operator
     * @param health the health signal that may revert it (or, without a revert window, alert) while it bakes, or null
     * @param sameTableAs the earlier migration whose keyspace and table it changes again, or -1 for a keyspace of its
     *     own
     * @param whileRunning for a migration of an earlier migration's table: whether it is submitted at its step even
     *     while the earlier one has not swapped yet; otherwise it waits until that one swapped or ended (and is then
     *     refused while that one's revert window is open)
     */
    public record Reverting(
            boolean revertEngine,
            int windowSeconds,
            boolean irreversibleDdl,
            int autoRetries,
            boolean fallbackOnFailure,
            @Nullable Health health,
            int sameTableAs,
            boolean whileRunning) {
        /** Nothing of the kind: the plain engine, no window, no retries, no fallback, no signal, its own keyspace. */
        public static final Reverting NONE = new Reverting(false, 0, false, 0, false, null, -1, false);

        /** Whether the migration is made revertible at submit. */
        public boolean revertible() {
            return revertEngine && windowSeconds > 0 && !irreversibleDdl;
        }
    }

    /**
     * A policy's {@link dev.osc4j.AutoRevert} on the simulator's scripted health signal, whose verdicts are drawn from
     * the seed (per migration and step, so every controller that asks in one step hears the same).
     *
     * @param bakeSeconds how long after the swap the signal is asked
     * @param intervalSeconds time between two checks
     * @param failureLimit unhealthy verdicts that revert
     * @param errorLimit unknown verdicts in a row that revert
     * @param unhealthyPercent how often the signal says unhealthy
     * @param unknownPercent how often it cannot tell (half of those by throwing)
     */
    public record Health(
            int bakeSeconds,
            int intervalSeconds,
            int failureLimit,
            int errorLimit,
            int unhealthyPercent,
            int unknownPercent) {}

    /**
     * A fault at a step.
     *
     * @param step the step at which it strikes
     * @param fault the fault
     */
    public record Timed(int step, Fault fault) {
        /** As Java. */
        public String toJava() {
            return "Scenario.at(" + step + ", " + fault.toJava() + ")";
        }
    }

    /** A fault at a step, for schedules written by hand or printed by the shrinker. */
    public static Timed at(int step, Fault fault) {
        return new Timed(step, fault);
    }

    /** This fleet with another fault schedule. */
    public Scenario withFaults(List<Timed> value) {
        return new Scenario(seed, controllers, trafficSwitch, migrations, value);
    }

    /**
     * The scenario of {@code seed}: the same seed gives the same fleet and schedule in every JVM. The revert and
     * fallback settings, the traffic switch and the revert directives are drawn from a second stream of the seed, so
     * the fleet and the other faults of a seed are what they were before reverts were simulated. A migration of an
     * earlier migration's table waits until that one swapped or ended: see {@link #generate(long, boolean)}.
     */
    public static Scenario generate(long seed) {
        return generate(seed, false);
    }

    /**
     * The scenario of {@code seed}, where a migration of an earlier migration's table is submitted at its step even
     * while that one runs when {@code sameTableWhileRunning} is set. osc4j refuses a migration of a table only while
     * another is in its revert window, so two migrations of one table submitted before either swapped can each open a
     * window (the {@code one-window} invariant breaks); {@link #generate(long)} leaves that case out until the core
     * closes it.
     */
    public static Scenario generate(long seed, boolean sameTableWhileRunning) {
        return generate(seed, sameTableWhileRunning, Draws.WAVES_AND_ALERTS);
    }

    /**
     * Which features a scenario draws. Each later one draws from a stream of its own, so a seed's earlier draws stay
     * what they were; a schedule printed before a feature came replays with the draws of its day.
     */
    public enum Draws {
        /** The fleet, its faults, reverts, revert windows, health signals that revert, the traffic switch. */
        REVERTS,
        /**
         * And (from a third stream) staged rollouts on one in four migrations with several shards, health signals on
         * one in four migrations without a revert window (a breach alerts), and operators' acknowledgements.
         */
        WAVES_AND_ALERTS
    }

    /** The scenario of {@code seed} with the features of {@code draws}; see {@link #generate(long, boolean)}. */
    public static Scenario generate(long seed, boolean sameTableWhileRunning, Draws draws) {
        Random r = new Random(seed);
        Random rv = new Random(seed * 0x9E3779B97F4A7C15L + 0x5DEECE66DL);
        Random rw = draws == Draws.REVERTS ? null : new Random(seed * 0xC2B2AE3D27D4EB4FL + 0x165667B19E3779F9L);
        int controllers = 1 + r.nextInt(3);
        int count = 1 + r.nextInt(3);
        List<MigrationShape> migrations = new ArrayList<>();
        for (int m = 0; m < count; m++) {
            int roll = r.nextInt(100);
            int shards = roll < 70 ? 1 + r.nextInt(4) : roll < 95 ? 5 + r.nextInt(12) : 17 + r.nextInt(MAX_SHARDS - 16);
            List<Long> rows = new ArrayList<>();
            for (int s = 0; s < shards; s++) {
                rows.add(200L + r.nextInt(30_000));
            }
            boolean startApproval = r.nextInt(5) == 0;
            boolean cutoverApproval = r.nextInt(5) == 0;
            boolean manualCutover = r.nextInt(5) == 0;
            boolean failOnStall = r.nextInt(3) == 0;
            int submitStep = r.nextInt(20);
            boolean windowed = r.nextInt(5) == 0;
            Reverting reverting = alerting(rw, reverting(rv, m, sameTableWhileRunning));
            if (reverting.sameTableAs() >= 0) {
                // The same table again: its shards and sizes are the earlier migration's.
                rows = new ArrayList<>(migrations.get(reverting.sameTableAs()).rowsPerShard());
                submitStep += rv.nextInt(60);
            }
            dev.osc4j.Rollout rollout = rw != null && rows.size() > 1 && rw.nextInt(4) == 0
                    ? new dev.osc4j.Rollout(1 + rw.nextInt(2), 1 + rw.nextInt(3), Duration.ofSeconds(rw.nextInt(21)))
                    : null;
            migrations.add(new MigrationShape(
                    rows,
                    startApproval,
                    cutoverApproval,
                    manualCutover,
                    failOnStall,
                    submitStep,
                    windowed,
                    reverting,
                    rollout));
        }
        int faultCount = r.nextInt(25);
        List<Timed> faults = new ArrayList<>();
        for (int i = 0; i < faultCount; i++) {
            faults.add(new Timed(r.nextInt(FAULT_STEPS), fault(r, controllers, migrations)));
        }
        boolean anyRevertible = migrations.stream().anyMatch(m -> m.reverting().revertible());
        int revertFaults = anyRevertible ? 2 + rv.nextInt(9) : 0;
        for (int i = 0; i < revertFaults; i++) {
            // Late enough that a swap may have happened; reverts and closes hit windows, or are refused.
            faults.add(new Timed(15 + rv.nextInt(FAULT_STEPS - 15), revertFault(rv, migrations)));
        }
        for (int m = 0; rw != null && m < migrations.size(); m++) {
            if (migrations.get(m).reverting().health() != null
                    && !migrations.get(m).reverting().revertible()) {
                // An operator looks at an alert now and then during the faults (the tidy-up acknowledges the rest).
                for (int i = rw.nextInt(3); i > 0; i--) {
                    faults.add(new Timed(
                            20 + rw.nextInt(FAULT_STEPS - 20),
                            new Fault.Directive(m, Fault.DirectiveKind.ACKNOWLEDGE, rw.nextInt(6), 0)));
                }
            }
        }
        boolean trafficSwitch = rv.nextInt(3) == 0;
        if (trafficSwitch && rv.nextInt(2) == 0) {
            faults.add(new Timed(rv.nextInt(FAULT_STEPS), new Fault.ProxyUnavailable(1 + rv.nextInt(20))));
        }
        return new Scenario(seed, controllers, trafficSwitch, migrations, faults);
    }

    /**
     * Draws migration {@code m}'s revert and fallback settings: two in five run on the engine that can revert, most of
     * those with a window short enough to end within the run (20 to 150 s), one in six of them with a DDL that cannot
     * be reverted, one in three with a health signal; one in five migrations retries on its own, one in five falls
     * back; one in six migrations after the first changes an earlier migration's table again.
     */
    private static Reverting reverting(Random rv, int m, boolean whileRunning) {
        boolean revertEngine = rv.nextInt(5) < 2;
        int window = revertEngine && rv.nextInt(6) > 0 ? 15 + rv.nextInt(76) : 0;
        boolean irreversible = revertEngine && rv.nextInt(6) == 0;
        int autoRetries = rv.nextInt(5) == 0 ? 1 + rv.nextInt(2) : 0;
        boolean fallback = rv.nextInt(5) == 0;
        Health health = null;
        if (window > 0 && !irreversible && rv.nextInt(3) == 0) {
            int bake = 5 + rv.nextInt(window - 4);
            health = new Health(
                    bake, 1 + rv.nextInt(5), 1 + rv.nextInt(3), 1 + rv.nextInt(4), rv.nextInt(40), rv.nextInt(30));
        }
        int sameTableAs = m > 0 && rv.nextInt(6) == 0 ? rv.nextInt(m) : -1;
        return new Reverting(
                revertEngine, window, irreversible, autoRetries, fallback, health, sameTableAs, whileRunning);
    }

    /**
     * From the third stream: one in four migrations without a revert window (and without a signal) gets a health
     * signal: it bakes after its swap, and a breach raises an alert that an operator acknowledges.
     */
    private static Reverting alerting(@Nullable Random rw, Reverting r) {
        if (rw == null || r.windowSeconds() > 0 || r.health() != null || rw.nextInt(4) != 0) {
            return r;
        }
        Health health = new Health(
                5 + rw.nextInt(60),
                1 + rw.nextInt(5),
                1 + rw.nextInt(3),
                1 + rw.nextInt(4),
                rw.nextInt(40),
                rw.nextInt(30));
        return new Reverting(
                r.revertEngine(),
                r.windowSeconds(),
                r.irreversibleDdl(),
                r.autoRetries(),
                r.fallbackOnFailure(),
                health,
                r.sameTableAs(),
                r.whileRunning());
    }

    /** A revert directive: three in four aim at a migration that can be reverted, the others at any. */
    private static Fault revertFault(Random rv, List<MigrationShape> migrations) {
        List<Integer> revertible = new ArrayList<>();
        for (int i = 0; i < migrations.size(); i++) {
            if (migrations.get(i).reverting().revertible()) {
                revertible.add(i);
            }
        }
        int m = rv.nextInt(4) > 0 ? revertible.get(rv.nextInt(revertible.size())) : rv.nextInt(migrations.size());
        int id = rv.nextInt(6);
        return switch (rv.nextInt(6)) {
            case 0, 1 -> new Fault.Revert(m, id, -1, rv.nextInt(2));
            case 2 ->
                new Fault.Revert(
                        m, id, rv.nextInt(migrations.get(m).rowsPerShard().size()), rv.nextInt(2));
            case 3 -> new Fault.CloseRevertWindow(m, id);
            default ->
                new Fault.RevertDirective(
                        m, REVERT_DIRECTIVES.get(rv.nextInt(REVERT_DIRECTIVES.size())), id, rv.nextInt(5) / 4.0);
        };
    }

    private static Fault fault(Random r, int controllers, List<MigrationShape> migrations) {
        int c = r.nextInt(controllers);
        int m = r.nextInt(migrations.size());
        int s = r.nextInt(migrations.get(m).rowsPerShard().size());
        return switch (r.nextInt(15)) {
            case 0 -> new Fault.StoreConflict(c);
            case 1 -> new Fault.StoreTimeout(c);
            case 2 -> new Fault.UnknownOutcome(c);
            case 3 -> new Fault.StoreOutage(1 + r.nextInt(15));
            case 4 -> new Fault.EngineFailure(m, s, 1 + r.nextInt(99));
            case 5 -> new Fault.EngineStall(m, s, 1 + r.nextInt(40));
            case 6 -> new Fault.RunLost(m, s);
            case 7 -> new Fault.EngineUnavailable(1 + r.nextInt(10));
            case 8 -> new Fault.LagSpike(m, s, 1 + r.nextInt(60), 1 + r.nextInt(30));
            case 9 -> new Fault.ReplicaStopped(m, s, 1 + r.nextInt(30));
            case 10 -> new Fault.Reparent(m, s);
            case 11 -> new Fault.ControllerCrash(c, r.nextInt(6), 1 + r.nextInt(20));
            case 12 -> new Fault.ControllerPause(c, 5 + r.nextInt(20));
            default ->
                new Fault.Directive(m, DIRECTIVES.get(r.nextInt(DIRECTIVES.size())), r.nextInt(6), r.nextInt(5) / 4.0);
        };
    }

    /** The scenario as Java code that builds it. */
    public String toJava() {
        boolean whileRunning = migrations.stream().anyMatch(m -> m.reverting().whileRunning());
        StringBuilder b = new StringBuilder(
                "Scenario.generate(" + seed + "L" + (whileRunning ? ", true" : "") + ").withFaults(List.of(");
        for (int i = 0; i < faults.size(); i++) {
            b.append(i == 0 ? "\n        " : ",\n        ").append(faults.get(i).toJava());
        }
        return b.append("))").toString();
    }
}
