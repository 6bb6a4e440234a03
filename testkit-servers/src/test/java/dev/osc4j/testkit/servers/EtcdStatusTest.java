package dev.osc4j.testkit.servers;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("EtcdStatus reads the reply of /v3/maintenance/status")
class EtcdStatusTest {

    @Test
    @DisplayName("a member that names itself leader is the leader; unsigned 64-bit ids are read")
    void leaderReply() {
        String reply = "{\"header\":{\"cluster_id\":\"15534692384254201323\",\"member_id\":\"17870987453447090151\","
                + "\"revision\":\"1\",\"raft_term\":\"2\"},\"version\":\"3.4.23\",\"dbSize\":\"20480\","
                + "\"leader\":\"17870987453447090151\",\"raftIndex\":\"5\",\"raftTerm\":\"7\"}";

        EtcdStatus status = EtcdStatus.parse(reply).orElseThrow();

        assertThat(status.isLeader()).isTrue();
        assertThat(status.raftTerm()).isEqualTo(7);
        assertThat(Long.toUnsignedString(status.memberId())).isEqualTo("17870987453447090151");
    }

    @Test
    @DisplayName("a follower, or a member that knows no leader, is not the leader")
    void followerReply() {
        String follower = "{\"header\":{\"member_id\":\"11\"},\"leader\":\"12\",\"raftTerm\":\"3\"}";
        String leaderless = "{\"header\":{\"member_id\":\"11\"},\"raftTerm\":\"3\"}";

        assertThat(EtcdStatus.parse(follower).orElseThrow().isLeader()).isFalse();
        assertThat(EtcdStatus.parse(leaderless).orElseThrow().isLeader()).isFalse();
        assertThat(EtcdStatus.parse(leaderless).orElseThrow().leaderId()).isZero();
    }

    @Test
    @DisplayName("an error reply without a member id yields nothing")
    void errorReply() {
        assertThat(EtcdStatus.parse("{\"error\":\"etcdserver: request timed out\",\"code\":14}"))
                .isEmpty();
    }
}
