package dev.osc4j.testkit.sim;

import java.lang.reflect.RecordComponent;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * One fault of a {@link Scenario}'s schedule. Each names the controller slot, migration and shard it hits by index, so
 * a schedule means the same thing in every run of its scenario, and prints itself as Java ({@link #toJava()}) so a
 * shrunk failure can be pasted into a test.
 */
public sealed interface Fault {

    /** This fault as a Java expression that builds it, such as {@code new Fault.StoreOutage(3)}. */
    default String toJava() {
        StringJoiner args = new StringJoiner(", ", "new Fault." + getClass().getSimpleName() + "(", ")");
        for (RecordComponent c : getClass().getRecordComponents()) {
            Object value;
            try {
                value = c.getAccessor().invoke(this);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot read " + c.getName() + " of " + this, e);
            }
            args.add(
                    value instanceof Enum<?> e
                            ? "Fault." + e.getDeclaringClass().getSimpleName() + "." + e.name()
                            : value instanceof Double d
                                    ? String.format(Locale.ROOT, "%.2f", d)
                                    : String.valueOf(value));
        }
        return args.toString();
    }

    /** The next compare-and-set of controller {@code controller} fails with a version conflict, writing nothing. */
    record StoreConflict(int controller) implements Fault {}

    /** The next compare-and-set of controller {@code controller} times out before it reaches the store. */
    record StoreTimeout(int controller) implements Fault {}

    /**
     * The next compare-and-set of controller {@code controller} commits, but the answer is lost: the controller sees a
     * store error and does not know the write happened.
     */
    record UnknownOutcome(int controller) implements Fault {}

    /** Every store operation of every controller and operator fails for {@code steps} steps. */
    record StoreOutage(int steps) implements Fault {}

    /** The engine run of a shard fails once it has copied {@code percent} % of the rows. */
    record EngineFailure(int migration, int shard, int percent) implements Fault {}

    /** The engine run of a shard copies nothing for {@code steps} steps. */
    record EngineStall(int migration, int shard, int steps) implements Fault {}

    /** The recorded engine run of a shard is lost (its process killed); its tables stay. */
    record RunLost(int migration, int shard) implements Fault {}

    /** Every engine call fails as unreachable for {@code steps} steps. */
    record EngineUnavailable(int steps) implements Fault {}

    /** A shard's replicas lag by {@code seconds} for {@code steps} steps. */
    record LagSpike(int migration, int shard, int seconds, int steps) implements Fault {}

    /** A shard's replication stops for {@code steps} steps: its lag is unknown. */
    record ReplicaStopped(int migration, int shard, int steps) implements Fault {}

    /** A shard gets a new primary. */
    record Reparent(int migration, int shard) implements Fault {}

    /**
     * Controller {@code controller} dies right after its next {@code afterActions} store writes and engine calls (0:
     * at once, between passes), keeps nothing, and a new controller takes its slot {@code downSteps} steps later.
     */
    record ControllerCrash(int controller, int afterActions, int downSteps) implements Fault {}

    /**
     * Controller {@code controller} stops for {@code steps} steps (a long GC pause, a frozen VM), past its lease, then
     * goes on with what it remembers.
     */
    record ControllerPause(int controller, int steps) implements Fault {}

    /** What an operator can send. */
    enum DirectiveKind {
        /** Pause. */
        PAUSE,
        /** Resume. */
        RESUME,
        /** Throttle at a ratio. */
        THROTTLE,
        /** Abort. */
        ABORT,
        /** Retry. */
        RETRY,
        /** Approve the start. */
        APPROVE_START,
        /** Approve the cut-over. */
        APPROVE_CUTOVER,
        /** Release a manual cut-over. */
        RELEASE,
        /** Acknowledge a health alert (ALERTED: a breach after a swap that cannot be reverted). */
        ACKNOWLEDGE
    }

    /**
     * An operator sends a directive to a migration with directive id {@code "d" + idNumber}: ids are drawn from a small
     * range, so the same id comes again, for the same directive or for a conflicting one.
     */
    record Directive(int migration, DirectiveKind kind, int idNumber, double ratio) implements Fault {}

    /**
     * An operator reverts migration {@code migration} with directive id {@code "d" + idNumber}, on every shard in its
     * window ({@code shard} -1) or on shard number {@code shard}, as {@code alice} ({@code actor} 0) or {@code bob}
     * (1). Refused unless the migration is in its window; the revert it starts is a migration of its own.
     */
    record Revert(int migration, int idNumber, int shard, int actor) implements Fault {}

    /** An operator closes migration {@code migration}'s revert window early, with directive id {@code "d" + idNumber}. */
    record CloseRevertWindow(int migration, int idNumber) implements Fault {}

    /**
     * An operator sends a directive to the latest revert of migration {@code migration} (nothing happens while it has
     * none), with directive id {@code "d" + idNumber}.
     */
    record RevertDirective(int migration, DirectiveKind kind, int idNumber, double ratio) implements Fault {}

    /** The traffic switch's proxy does not answer for {@code steps} steps (every hold and restore fails, retryably). */
    record ProxyUnavailable(int steps) implements Fault {}
}
