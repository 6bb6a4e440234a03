package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import java.time.Instant;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * A recorded approval.
 *
 * @param stage what was approved
 * @param approver who approved
 * @param directiveId the directive that carried it
 * @param at when
 * @param request the fingerprint of the request approved (its DDL, table, shards and policy): an approval counts only for
 *     that exact request; null in approvals recorded before 0.2
 */
@API(status = MAINTAINED, since = "0.1")
public record Approval(
        ApprovalStage stage,
        String approver,
        String directiveId,
        Instant at,
        @Nullable String request) {

    /** An approval recorded before approvals were bound to their request. */
    public Approval(ApprovalStage stage, String approver, String directiveId, Instant at) {
        this(stage, approver, directiveId, at, null);
    }
}
