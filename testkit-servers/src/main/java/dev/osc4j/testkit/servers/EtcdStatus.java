package dev.osc4j.testkit.servers;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fields of an etcd v3.4 {@code /v3/maintenance/status} reply that leader detection needs. The gRPC gateway
 * writes 64-bit integers as JSON strings and leaves out fields that are zero.
 *
 * @param memberId the id of the member that answered ({@code header.member_id})
 * @param leaderId the id of the leader it knows, 0 if none
 * @param raftTerm the raft term it is in
 */
record EtcdStatus(long memberId, long leaderId, long raftTerm) {

    private static final Pattern MEMBER_ID = Pattern.compile("\"member_id\"\\s*:\\s*\"?(\\d+)");
    private static final Pattern LEADER = Pattern.compile("\"leader\"\\s*:\\s*\"?(\\d+)");
    private static final Pattern RAFT_TERM = Pattern.compile("\"raftTerm\"\\s*:\\s*\"?(\\d+)");

    /** Whether the member that answered considers itself the leader. */
    boolean isLeader() {
        return memberId != 0 && memberId == leaderId;
    }

    /** Parses a reply; empty if it has no member id. The flat regular expressions suffice for this one reply. */
    static Optional<EtcdStatus> parse(String json) {
        long memberId = number(MEMBER_ID, json);
        if (memberId == 0) {
            return Optional.empty();
        }
        return Optional.of(new EtcdStatus(memberId, number(LEADER, json), number(RAFT_TERM, json)));
    }

    private static long number(Pattern pattern, String json) {
        Matcher matcher = pattern.matcher(json);
        // Member ids are unsigned 64-bit numbers.
        return matcher.find() ? Long.parseUnsignedLong(matcher.group(1)) : 0;
    }
}
