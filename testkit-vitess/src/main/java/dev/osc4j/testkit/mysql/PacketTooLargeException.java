package dev.osc4j.testkit.mysql;

import java.io.IOException;

/** A client packet that spans several 16 MB frames; it has been read and discarded, the stream is still in sync. */
final class PacketTooLargeException extends IOException {

    PacketTooLargeException(long size) {
        super("Got a packet bigger than the server accepts (" + size + " bytes)");
    }
}
