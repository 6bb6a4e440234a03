package dev.osc4j.testkit.sim;

import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.testkit.CrashInjection.SimulatedCrash;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** A controller's place in the fleet: its store (with its armed faults), its controller, its faults' state. */
final class Slot {
    final int index;

    @Nullable
    FaultyStore store;

    @Nullable
    MigrationOrchestrator osc;
    /** Step at which a dead controller comes back; -1 while alive. */
    int deadUntil = -1;

    int downSteps;
    /** Dies after this many more actions; -1: no crash pending. */
    int crashAfter = -1;

    int pausedUntil;

    Slot(int index) {
        this.index = index;
    }

    FaultyStore store() {
        return Objects.requireNonNull(store, "store");
    }

    MigrationOrchestrator osc() {
        return Objects.requireNonNull(osc, "controller");
    }

    /** Counts one store write or engine call towards a pending crash. */
    void acted() {
        if (crashAfter > 0 && --crashAfter == 0) {
            throw new SimulatedCrash("controller c" + index + " after an action");
        }
    }
}
