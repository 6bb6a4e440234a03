package dev.osc4j.cli;

import dev.osc4j.ApprovalStage;
import dev.osc4j.DirectiveResult;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.MigrationClient;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationRecord;
import dev.osc4j.RevertRefusedException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The directives. Each takes a directive id (default: a new one), which makes it idempotent: sending the same id again
 * changes nothing and answers as the first time; the same id for another directive is refused (exit code 4).
 */
final class DirectiveCommands {
    private DirectiveCommands() {}

    /** What every command that directs a migration takes: its id, a directive id and who sends it. */
    abstract static class Directing extends StoreCommand {
        @Parameters(index = "0", paramLabel = "ID", description = "the migration id")
        String id = "";

        @Option(
                names = "--directive-id",
                paramLabel = "DIRECTIVE",
                description = "makes the directive idempotent (a change ticket, say); default: a new UUID")
        String directiveId = "";

        @Option(names = "--actor", description = "who sends it, for the audit trail; default: $USER")
        String actor = "";

        /** The directive id given, or a new one. */
        String directiveId() {
            return directiveId.isBlank() ? "cli-" + UUID.randomUUID() : directiveId;
        }

        /** The actor given, else $USER. */
        String actor() {
            return !actor.isBlank() ? actor : root().env.getOrDefault("USER", "osc4j-cli");
        }
    }

    /** A directive answered by a {@link DirectiveResult}. */
    abstract static class DirectiveCommand extends Directing {
        @Override
        final int run(MigrationClient client) {
            DirectiveResult r = send(client, id(id), directiveId(), actor());
            if (json()) {
                root().out.println(Json.directive(r));
            } else {
                root().out
                        .printf(
                                Locale.ROOT,
                                "%s %s%s: recorded as directive %s by %s at %s; the migration is %s%n",
                                r.kind().name().toLowerCase(Locale.ROOT),
                                id,
                                r.argument().isEmpty() ? "" : " " + r.argument(),
                                r.directiveId(),
                                r.actor(),
                                r.at(),
                                r.stateAfter());
            }
            return ExitCodes.OK;
        }

        abstract DirectiveResult send(MigrationClient client, MigrationId id, String directiveId, String actor);
    }

    @Command(name = "approve", description = "Approves the start or the cut-over of a migration.")
    static final class Approve extends DirectiveCommand {
        @Option(names = "--stage", required = true, paramLabel = "STAGE", description = "start or cutover")
        String stage = "";

        @Override
        DirectiveResult send(MigrationClient client, MigrationId id, String directiveId, String actor) {
            return client.approve(id, directiveId, stage(stage, id), actor);
        }
    }

    @Command(
            name = "revoke",
            description = "Withdraws your approval of the start or the cut-over, before that stage has passed.")
    static final class Revoke extends DirectiveCommand {
        @Option(names = "--stage", required = true, paramLabel = "STAGE", description = "start or cutover")
        String stage = "";

        @Override
        DirectiveResult send(MigrationClient client, MigrationId id, String directiveId, String actor) {
            return client.revokeApproval(id, directiveId, stage(stage, id), actor);
        }
    }

    private static ApprovalStage stage(String stage, MigrationId id) {
        return switch (stage.toLowerCase(Locale.ROOT)) {
            case "start" -> ApprovalStage.START;
            case "cutover", "cut-over" -> ApprovalStage.CUTOVER;
            default -> throw new InvalidRequestException("--stage must be start or cutover, got '" + stage + "'", id);
        };
    }

    @Command(name = "release", description = "Releases the cut-over of a migration whose policy holds it.")
    static final class Release extends DirectiveCommand {
        @Override
        DirectiveResult send(MigrationClient client, MigrationId id, String directiveId, String actor) {
            return client.releaseCutover(id, directiveId, actor);
        }
    }

    @Command(name = "pause", description = "Pauses a migration: nothing new starts, copies are fully throttled.")
    static final class Pause extends DirectiveCommand {
        @Override
        DirectiveResult send(MigrationClient client, MigrationId id, String directiveId, String actor) {
            return client.pause(id, directiveId, actor);
        }
    }

    @Command(name = "resume", description = "Resumes a paused migration.")
    static final class Resume extends DirectiveCommand {
        @Override
        DirectiveResult send(MigrationClient client, MigrationId id, String directiveId, String actor) {
            return client.resume(id, directiveId, actor);
        }
    }

    @Command(name = "throttle", description = "Sets the throttle ratio of the copies: 0 runs freely, 1 stops them.")
    static final class Throttle extends DirectiveCommand {
        @Parameters(index = "1", paramLabel = "RATIO", description = "0 to 1")
        double ratio;

        @Override
        DirectiveResult send(MigrationClient client, MigrationId id, String directiveId, String actor) {
            if (!(ratio >= 0 && ratio <= 1)) {
                throw new InvalidRequestException("the throttle ratio must be between 0 and 1, got " + ratio, id);
            }
            return client.throttle(id, directiveId, ratio, actor);
        }
    }

    @Command(name = "abort", description = "Aborts a migration: runs cancelled, artifacts dropped, ends ABORTED.")
    static final class Abort extends DirectiveCommand {
        @Override
        DirectiveResult send(MigrationClient client, MigrationId id, String directiveId, String actor) {
            return client.abort(id, directiveId, actor);
        }
    }

    @Command(name = "retry", description = "Retries a failed migration.")
    static final class Retry extends DirectiveCommand {
        @Override
        DirectiveResult send(MigrationClient client, MigrationId id, String directiveId, String actor) {
            return client.retry(id, directiveId, actor);
        }
    }

    @Command(
            name = "revert",
            description = "Reverts a migration in its revert window (REVERTIBLE): starts a revert migration that swaps"
                    + " the tables back, and prints its id.")
    static final class Revert extends Directing {
        @Option(
                names = "--shards",
                paramLabel = "SHARD[,SHARD...]",
                split = ",",
                description = "revert only these shards; default: every shard in its revert window")
        List<String> shards = new ArrayList<>();

        @Override
        int run(MigrationClient client) {
            MigrationId forward = id(id);
            String d = directiveId();
            String who = actor();
            MigrationId revert;
            try {
                revert = client.revert(forward, d, shards, who);
            } catch (RevertRefusedException e) {
                if (json()) {
                    root().out.println(Json.refusal(e));
                }
                throw e;
            }
            MigrationRecord r = client.get(revert);
            if (json()) {
                root().out.println(Json.revert(forward, r, d, who));
            } else {
                root().out.println(revert.value());
                root().err
                        .printf(
                                Locale.ROOT,
                                "revert of %s on %s started as %s (directive %s by %s); follow it with: osc4j watch"
                                        + " %s%n",
                                forward.value(),
                                r.spec().shards(),
                                revert.value(),
                                d,
                                who,
                                revert.value());
            }
            return ExitCodes.OK;
        }
    }

    @Command(
            name = "close-window",
            description = "Ends a migration's revert window now: what kept the original table is retired, it ends"
                    + " COMPLETED, and its table can be migrated again.")
    static final class CloseWindow extends DirectiveCommand {
        @Override
        DirectiveResult send(MigrationClient client, MigrationId id, String directiveId, String actor) {
            return client.closeRevertWindow(id, directiveId, actor);
        }
    }

    @Command(
            name = "acknowledge",
            description = "Acknowledges the health alert of a migration in ALERTED (a signal breached after a swap that"
                    + " cannot be reverted): the new schema stays live and the alerted shards end COMPLETED.")
    static final class Acknowledge extends DirectiveCommand {
        @Override
        DirectiveResult send(MigrationClient client, MigrationId id, String directiveId, String actor) {
            return client.acknowledgeAlert(id, directiveId, actor);
        }
    }
}
