package dev.osc4j.testkit.mysql;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Builds one server payload from the protocol's basic data types. */
final class PayloadWriter {

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);

    PayloadWriter int1(int value) {
        bytes.write(value & 0xFF);
        return this;
    }

    PayloadWriter int2(int value) {
        return fixed(value, 2);
    }

    PayloadWriter int4(long value) {
        return fixed(value, 4);
    }

    PayloadWriter int8(long value) {
        return fixed(value, 8);
    }

    private PayloadWriter fixed(long value, int length) {
        for (int i = 0; i < length; i++) {
            bytes.write((int) (value >>> (8 * i)) & 0xFF);
        }
        return this;
    }

    /** A length-encoded integer; {@code value} is treated as unsigned. */
    PayloadWriter lengthEncodedInt(long value) {
        if (value >= 0 && value < 0xFB) {
            return int1((int) value);
        }
        if (value >= 0 && value < (1 << 16)) {
            return int1(0xFC).fixed(value, 2);
        }
        if (value >= 0 && value < (1 << 24)) {
            return int1(0xFD).fixed(value, 3);
        }
        return int1(0xFE).fixed(value, 8);
    }

    PayloadWriter lengthEncodedBytes(byte[] value) {
        lengthEncodedInt(value.length);
        return bytes(value);
    }

    PayloadWriter lengthEncodedString(String value) {
        return lengthEncodedBytes(value.getBytes(StandardCharsets.UTF_8));
    }

    PayloadWriter nulTerminatedString(String value) {
        bytes(value.getBytes(StandardCharsets.UTF_8));
        return int1(0);
    }

    /** A string that runs to the end of the packet. */
    PayloadWriter restOfPacketString(String value) {
        return bytes(value.getBytes(StandardCharsets.UTF_8));
    }

    PayloadWriter bytes(byte[] value) {
        bytes.write(value, 0, value.length);
        return this;
    }

    PayloadWriter zeros(int count) {
        for (int i = 0; i < count; i++) {
            bytes.write(0);
        }
        return this;
    }

    byte[] toByteArray() {
        return bytes.toByteArray();
    }
}
