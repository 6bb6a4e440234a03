package dev.osc4j;

import java.time.Instant;

/**
 * A recorded approval.
 *
 * @param stage what was approved
 * @param approver who approved
 * @param directiveId the directive that carried it
 * @param at when
 */
public record Approval(ApprovalStage stage, String approver, String directiveId, Instant at) {}
