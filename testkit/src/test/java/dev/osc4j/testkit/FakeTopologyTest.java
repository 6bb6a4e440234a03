package dev.osc4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class FakeTopologyTest {
    private final SettableClock clock = SettableClock.startingAtEpoch2026();
    private final FakeTopology topology = new FakeTopology(clock).addUniformKeyspace("ks", 2, 1000);

    @Test
    void conditionsAnswerWhatTheSingleQuestionsAnswer() {
        String shard = topology.describe("ks").shards().get(0).shard();
        assertThat(topology.conditions("ks", shard))
                .isEqualTo(new FakeTopology.ShardConditions(Duration.ZERO, false, false, null));

        topology.lagSpike("ks", shard, Duration.ofSeconds(30), Duration.ofSeconds(10))
                .stopReplication("ks", shard, true)
                .stall("ks", shard, true)
                .failAt("ks", shard, 40);
        FakeTopology.ShardConditions c = topology.conditions("ks", shard);
        assertThat(c.replicaLag()).isEqualTo(topology.replicaLag("ks", shard)).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.replicationStopped()).isTrue();
        assertThat(c.stalled()).isTrue();
        assertThat(c.failAtPercent()).isEqualTo(40.0);

        clock.advance(Duration.ofSeconds(11));
        topology.consumeFailure("ks", shard);
        assertThat(topology.conditions("ks", shard).replicaLag()).isZero();
        assertThat(topology.conditions("ks", shard).failAtPercent()).isNull();
    }

    @Test
    void conditionsOfAnUnknownShardAreRefused() {
        assertThatThrownBy(() -> topology.conditions("ks", "nope"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ks/nope");
    }
}
