package dev.osc4j.testkit.mysql;

import java.io.IOException;

/** A client packet that does not follow the protocol; the connection that sent it is closed. */
final class MalformedPacketException extends IOException {

    private final int errorCode;
    private final String reason;

    MalformedPacketException(String reason) {
        this(Protocol.ER_MALFORMED_PACKET, reason);
    }

    private MalformedPacketException(int errorCode, String reason) {
        super(reason);
        this.errorCode = errorCode;
        this.reason = reason;
    }

    static MalformedPacketException outOfOrder(int sequenceId, int expected) {
        return new MalformedPacketException(
                Protocol.ER_NET_PACKETS_OUT_OF_ORDER,
                "Got packets out of order (sequence id " + sequenceId + ", expected " + expected + ")");
    }

    /** The MySQL error number the client is told before the connection closes. */
    int errorCode() {
        return errorCode;
    }

    String reason() {
        return reason;
    }
}
