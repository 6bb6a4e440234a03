package dev.osc4j.testkit.mysql;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Reads the protocol's basic data types from one client payload; running past its end is a malformed packet. */
final class PayloadReader {

    private final byte[] payload;
    private int position;

    PayloadReader(byte[] payload) {
        this.payload = payload;
    }

    boolean hasMore() {
        return position < payload.length;
    }

    int remaining() {
        return payload.length - position;
    }

    int int1() throws MalformedPacketException {
        need(1);
        return payload[position++] & 0xFF;
    }

    int int2() throws MalformedPacketException {
        return (int) fixed(2);
    }

    long int4() throws MalformedPacketException {
        return fixed(4);
    }

    long int8() throws MalformedPacketException {
        return fixed(8);
    }

    private long fixed(int bytes) throws MalformedPacketException {
        need(bytes);
        long value = 0;
        for (int i = 0; i < bytes; i++) {
            value |= (long) (payload[position + i] & 0xFF) << (8 * i);
        }
        position += bytes;
        return value;
    }

    /** A length-encoded integer. */
    long lengthEncodedInt() throws MalformedPacketException {
        int first = int1();
        if (first < 0xFB) {
            return first;
        }
        return switch (first) {
            case 0xFC -> fixed(2);
            case 0xFD -> fixed(3);
            case 0xFE -> {
                long value = fixed(8);
                if (value < 0) {
                    throw new MalformedPacketException("length-encoded integer out of range");
                }
                yield value;
            }
            default ->
                throw new MalformedPacketException(
                        "invalid length-encoded integer prefix 0x" + Integer.toHexString(first));
        };
    }

    byte[] bytes(long length) throws MalformedPacketException {
        if (length < 0 || length > remaining()) {
            throw new MalformedPacketException(
                    "field of " + length + " bytes but only " + remaining() + " left in the packet");
        }
        byte[] bytes = Arrays.copyOfRange(payload, position, position + (int) length);
        position += (int) length;
        return bytes;
    }

    byte[] lengthEncodedBytes() throws MalformedPacketException {
        return bytes(lengthEncodedInt());
    }

    String lengthEncodedString() throws MalformedPacketException {
        return new String(lengthEncodedBytes(), StandardCharsets.UTF_8);
    }

    /** A NUL-terminated string; the terminator is consumed. */
    String nulTerminatedString() throws MalformedPacketException {
        for (int i = position; i < payload.length; i++) {
            if (payload[i] == 0) {
                String value = new String(payload, position, i - position, StandardCharsets.UTF_8);
                position = i + 1;
                return value;
            }
        }
        throw new MalformedPacketException("missing NUL terminator");
    }

    /** The rest of the payload. */
    byte[] rest() {
        byte[] bytes = Arrays.copyOfRange(payload, position, payload.length);
        position = payload.length;
        return bytes;
    }

    /** Skips {@code bytes} and returns this reader, for reading a field at a fixed offset. */
    PayloadReader skipThen(int bytes) throws MalformedPacketException {
        skip(bytes);
        return this;
    }

    void skip(int bytes) throws MalformedPacketException {
        need(bytes);
        position += bytes;
    }

    private void need(int bytes) throws MalformedPacketException {
        if (remaining() < bytes) {
            throw new MalformedPacketException(
                    "packet too short: needed " + bytes + " more bytes at offset " + position);
        }
    }
}
