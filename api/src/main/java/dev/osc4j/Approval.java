package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import java.time.Instant;
import org.apiguardian.api.API;

/**
 * A recorded approval.
 *
 * @param stage what was approved
 * @param approver who approved
 * @param directiveId the directive that carried it
 * @param at when
 */
@API(status = MAINTAINED, since = "0.1")
public record Approval(ApprovalStage stage, String approver, String directiveId, Instant at) {}
