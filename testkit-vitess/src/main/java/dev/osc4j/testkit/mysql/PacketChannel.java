package dev.osc4j.testkit.mysql;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.jspecify.annotations.Nullable;

/**
 * MySQL packet framing over a socket: a 3-byte little-endian payload length, a 1-byte sequence id, the payload.
 *
 * <p>The sequence id starts at 0 with each command and increases with every packet either side sends. Payloads of
 * 0xFFFFFF bytes or more are split into frames; a frame of exactly 0xFFFFFF bytes means "more follows". This server
 * accepts client payloads up to one frame and discards longer ones whole, so the stream stays in sync.
 */
final class PacketChannel {

    static final int MAX_FRAME = 0xFFFFFF;

    private final InputStream in;
    private final OutputStream out;
    private int sequence;

    PacketChannel(InputStream in, OutputStream out) {
        this.in = in;
        this.out = out;
    }

    /** Starts a new command exchange: the next packet read must carry sequence id 0. */
    void resetSequence() {
        sequence = 0;
    }

    /**
     * Reads one payload.
     *
     * @return the payload, or {@code null} if the client closed the connection cleanly before a new packet
     * @throws PacketTooLargeException if the payload spans several frames (it has been skipped)
     * @throws MalformedPacketException if the sequence id is wrong
     * @throws EOFException if the connection ends inside a packet
     */
    byte @Nullable [] read() throws IOException {
        int first = in.read();
        if (first < 0) {
            return null;
        }
        int length = readFrameHeader(first);
        byte[] payload = in.readNBytes(length);
        if (payload.length != length) {
            throw new EOFException("connection closed inside a packet");
        }
        if (length < MAX_FRAME) {
            return payload;
        }
        long total = length;
        int frame;
        do {
            int next = in.read();
            if (next < 0) {
                throw new EOFException("connection closed inside a multi-frame packet");
            }
            frame = readFrameHeader(next);
            long skipped = in.skip(frame);
            while (skipped < frame) {
                if (in.read() < 0) {
                    throw new EOFException("connection closed inside a multi-frame packet");
                }
                skipped++;
                skipped += in.skip(frame - skipped);
            }
            total += frame;
        } while (frame == MAX_FRAME);
        throw new PacketTooLargeException(total);
    }

    private int readFrameHeader(int firstByte) throws IOException {
        byte[] rest = in.readNBytes(3);
        if (rest.length != 3) {
            throw new EOFException("connection closed inside a packet header");
        }
        int length = firstByte | (rest[0] & 0xFF) << 8 | (rest[1] & 0xFF) << 16;
        int id = rest[2] & 0xFF;
        if (id != sequence) {
            throw MalformedPacketException.outOfOrder(id, sequence);
        }
        sequence = (sequence + 1) & 0xFF;
        return length;
    }

    /** Writes one payload, split into frames as needed, with the next sequence ids; does not flush. */
    void write(byte[] payload) throws IOException {
        int offset = 0;
        while (true) {
            int length = Math.min(MAX_FRAME, payload.length - offset);
            out.write(length & 0xFF);
            out.write((length >>> 8) & 0xFF);
            out.write((length >>> 16) & 0xFF);
            out.write(sequence);
            sequence = (sequence + 1) & 0xFF;
            out.write(payload, offset, length);
            offset += length;
            if (length < MAX_FRAME) {
                return;
            }
        }
    }

    void flush() throws IOException {
        out.flush();
    }
}
