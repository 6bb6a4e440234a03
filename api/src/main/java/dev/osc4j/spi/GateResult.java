package dev.osc4j.spi;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import org.apiguardian.api.API;

/**
 * A gate's answer.
 *
 * @param verdict pass, wait or fail
 * @param reason why (shown in the record as the shard's wait reason, or as the failure)
 */
@API(status = EXPERIMENTAL, since = "0.1")
public record GateResult(Verdict verdict, String reason) {
    private static final GateResult PASS = new GateResult(Verdict.PASS, "");

    /** A gate's verdict. */
    public enum Verdict {
        /** The transition may happen. */
        PASS,
        /** Not yet; ask again later. */
        WAIT,
        /** Never; the shard fails. */
        FAIL
    }

    /** The transition may happen. */
    public static GateResult pass() {
        return PASS;
    }

    /** Not yet, because {@code reason}. */
    public static GateResult waitFor(String reason) {
        return new GateResult(Verdict.WAIT, reason);
    }

    /** Never, because {@code reason}. */
    public static GateResult fail(String reason) {
        return new GateResult(Verdict.FAIL, reason);
    }

    /** Whether the verdict is {@link Verdict#PASS}. */
    public boolean passed() {
        return verdict == Verdict.PASS;
    }
}
