package dev.osc4j.testkit.sim;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * Everything one simulated run does, decided by one seed: the fleet (controllers, migrations, their shards, sizes and
 * policies) and the schedule of faults. {@link #withFaults} keeps the fleet and replaces the schedule, which is how a
 * failure is shrunk and how a shrunk failure is replayed.
 *
 * @param seed the seed the scenario was generated from
 * @param controllers how many controllers share the store (1 to 3)
 * @param migrations the migrations, each on a keyspace of its own
 * @param faults the fault schedule, by step
 */
public record Scenario(long seed, int controllers, List<MigrationShape> migrations, List<Timed> faults) {

    /** Steps (of one simulated second) during which faults happen; afterwards everything heals. */
    public static final int FAULT_STEPS = 120;

    private static final List<Fault.DirectiveKind> DIRECTIVES = List.of(Fault.DirectiveKind.values());

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
     */
    public record MigrationShape(
            List<Long> rowsPerShard,
            boolean startApproval,
            boolean cutoverApproval,
            boolean manualCutover,
            boolean failOnStall,
            int submitStep,
            boolean windowed) {
        /** Copies the list. */
        public MigrationShape {
            rowsPerShard = List.copyOf(rowsPerShard);
        }
    }

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
        return new Scenario(seed, controllers, migrations, value);
    }

    /** The scenario of {@code seed}: the same seed gives the same fleet and schedule in every JVM. */
    public static Scenario generate(long seed) {
        Random r = new Random(seed);
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
            migrations.add(new MigrationShape(
                    rows,
                    r.nextInt(5) == 0,
                    r.nextInt(5) == 0,
                    r.nextInt(5) == 0,
                    r.nextInt(3) == 0,
                    r.nextInt(20),
                    r.nextInt(5) == 0));
        }
        int faultCount = r.nextInt(25);
        List<Timed> faults = new ArrayList<>();
        for (int i = 0; i < faultCount; i++) {
            faults.add(new Timed(r.nextInt(FAULT_STEPS), fault(r, controllers, migrations)));
        }
        return new Scenario(seed, controllers, migrations, faults);
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
        StringBuilder b = new StringBuilder("Scenario.generate(" + seed + "L).withFaults(List.of(");
        for (int i = 0; i < faults.size(); i++) {
            b.append(i == 0 ? "\n        " : ",\n        ").append(faults.get(i).toJava());
        }
        return b.append("))").toString();
    }
}
