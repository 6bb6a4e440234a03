package dev.osc4j.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osc4j.MigrationOrchestrator;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The reconcile loop")
class LoopTest {

    @Test
    @DisplayName("reconcileNow() is refused once start() runs the loop, which is not thread-safe to share")
    void reconcileNowIsRefusedOnceStarted() {
        World w = new World();
        try (MigrationOrchestrator osc = w.osc) {
            osc.reconcileNow();
            osc.start();
            assertThatThrownBy(osc::reconcileNow)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("start()");
        }
    }

    @Test
    @DisplayName("runs on a thread made by the builder's thread factory")
    void runsOnTheGivenThreadFactory() {
        List<Thread> made = new ArrayList<>();
        ThreadFactory factory = r -> {
            Thread t = new Thread(r, "platform-team-osc4j");
            t.setDaemon(true);
            made.add(t);
            return t;
        };
        World w = new World(b -> b.threadFactory(factory));
        try (MigrationOrchestrator osc = w.osc) {
            osc.start();
            assertThat(made)
                    .singleElement()
                    .satisfies(t -> assertThat(t.isAlive()).isTrue());
        }
        assertThat(made.get(0).isAlive()).as("stopped by close()").isFalse();
    }
}
