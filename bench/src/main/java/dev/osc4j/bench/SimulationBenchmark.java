package dev.osc4j.bench;

import dev.osc4j.internal.DefaultMigrationOrchestrator.Mutation;
import dev.osc4j.testkit.sim.FaultSimulator;
import dev.osc4j.testkit.sim.Scenario;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Runs the fault simulator over many seeds, on demand (CI runs 1,500): osc4j as built, then each deliberate bug of the
 * mutation check until it is caught. Prints the count, the time, what the runs did and what was found; a failure is
 * shrunk and printed as a ready-to-run test.
 *
 * <p>Arguments: seeds (default 10000), first seed (default 1), the draws (default {@code WAVES_AND_ALERTS};
 * {@code REVERTS} replays seeds with the draws they had before staged rollouts and alerts were simulated).
 */
public final class SimulationBenchmark {
    private SimulationBenchmark() {}

    public static void main(String[] args) {
        // Controllers under injected faults warn at every outage and crash: expected here, and it would bury the
        // figures.
        System.setProperty("org.slf4j.simpleLogger.log.dev.osc4j.internal", "error");
        int seeds = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        long first = args.length > 1 ? Long.parseLong(args[1]) : 1;
        Scenario.Draws draws = args.length > 2 ? Scenario.Draws.valueOf(args[2]) : Scenario.Draws.WAVES_AND_ALERTS;
        FaultSimulator sim = FaultSimulator.create();
        long started = System.nanoTime();
        long writes = 0;
        long calls = 0;
        long faults = 0;
        long crashes = 0;
        long directives = 0;
        long completed = 0;
        long aborted = 0;
        long reverts = 0;
        long reverted = 0;
        long revertsAsked = 0;
        int maxSteps = 0;
        int maxShards = 0;
        List<FaultSimulator.Result> failures = new ArrayList<>();
        Map<String, Integer> byInvariant = new LinkedHashMap<>();
        for (long seed = first; seed < first + seeds; seed++) {
            Scenario scenario = Scenario.generate(seed, false, draws);
            FaultSimulator.Result r = sim.run(scenario);
            writes += r.writes();
            calls += r.engineCalls();
            faults += r.faults();
            crashes += r.crashes();
            directives += r.directives();
            completed += r.completed();
            aborted += r.aborted();
            reverts += r.reverts();
            reverted += r.reverted();
            revertsAsked += r.revertsAsked();
            maxSteps = Math.max(maxSteps, r.steps());
            for (Scenario.MigrationShape m : scenario.migrations()) {
                maxShards = Math.max(maxShards, m.rowsPerShard().size());
            }
            if (!r.held()) {
                failures.add(r);
                byInvariant.merge(r.brokenInvariant(), 1, Integer::sum);
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf(
                Locale.ROOT,
                "osc4j as built: %d seeds (%d..%d) in %.1f s (%.1f ms per seed, %d cores)%n"
                        + "  %d faults, %d controller crashes, %d directives, %d store writes, %d engine side effects%n"
                        + "  %d migrations completed, %d aborted, %d reverted; %d revert directives, %d reverts created%n"
                        + "  up to %d shards per migration, longest run %d steps%n"
                        + "  seeds that broke an invariant: %d %s%n",
                seeds,
                first,
                first + seeds - 1,
                seconds,
                seconds * 1000 / seeds,
                Runtime.getRuntime().availableProcessors(),
                faults,
                crashes,
                directives,
                writes,
                calls,
                completed,
                aborted,
                reverted,
                revertsAsked,
                reverts,
                maxShards,
                maxSteps,
                failures.size(),
                byInvariant);
        if (!failures.isEmpty()) {
            System.out.println("  failing seeds: "
                    + failures.stream().map(r -> r.scenario().seed()).toList());
            System.out.println(sim.shrink(failures.get(0), 200).report());
        }
        for (Mutation m : Mutation.values()) {
            FaultSimulator mutated = FaultSimulator.withMutations(Set.of(m));
            long t0 = System.nanoTime();
            FaultSimulator.Result caught = null;
            long seed = first;
            for (; seed < first + seeds && caught == null; seed++) {
                FaultSimulator.Result r = mutated.run(Scenario.generate(seed));
                caught = r.held() ? null : r;
            }
            System.out.printf(
                    Locale.ROOT,
                    "mutation %s: %s (%.2f s)%n",
                    m,
                    caught == null
                            ? "NOT caught in " + seeds + " seeds"
                            : "caught after " + (seed - first) + " seed(s), by seed "
                                    + caught.scenario().seed() + ": " + caught.violation(),
                    (System.nanoTime() - t0) / 1e9);
        }
    }
}
