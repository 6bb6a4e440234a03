package dev.osc4j.testkit.mysql;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A bare-socket MySQL client for the tests that need to misbehave or look at packets. */
final class RawMySqlClient implements AutoCloseable {

    /** One packet as received. */
    @SuppressWarnings("ArrayRecordComponent") // a test value, never compared
    record Packet(int sequenceId, byte[] payload) {
        int header() {
            return payload.length == 0 ? -1 : payload[0] & 0xFF;
        }

        boolean isOk() {
            return header() == 0x00;
        }

        boolean isErr() {
            return header() == 0xFF;
        }

        int errorCode() {
            return (payload[1] & 0xFF) | (payload[2] & 0xFF) << 8;
        }

        String sqlState() {
            return new String(payload, 4, 5, StandardCharsets.US_ASCII);
        }

        String errorMessage() {
            return new String(payload, 9, payload.length - 9, StandardCharsets.UTF_8);
        }
    }

    /** What the server's Initial Handshake said. */
    @SuppressWarnings("ArrayRecordComponent") // a test value, never compared
    record Greeting(
            int protocolVersion,
            String serverVersion,
            long connectionId,
            byte[] scramble,
            int capabilities,
            String plugin) {}

    static final int BASIC_CAPABILITIES = Protocol.CLIENT_PROTOCOL_41
            | Protocol.CLIENT_SECURE_CONNECTION
            | Protocol.CLIENT_PLUGIN_AUTH
            | Protocol.CLIENT_LONG_PASSWORD
            | Protocol.CLIENT_TRANSACTIONS;

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    RawMySqlClient(int port) throws IOException {
        socket = new Socket(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), port);
        socket.setSoTimeout(10_000);
        InputStream input = socket.getInputStream();
        in = new DataInputStream(input);
        out = socket.getOutputStream();
    }

    Greeting readGreeting() throws IOException {
        Packet packet = read();
        byte[] p = packet.payload();
        int pos = 0;
        int protocol = p[pos++] & 0xFF;
        int end = indexOfNul(p, pos);
        String version = new String(p, pos, end - pos, StandardCharsets.UTF_8);
        pos = end + 1;
        long id =
                (p[pos] & 0xFFL) | (p[pos + 1] & 0xFFL) << 8 | (p[pos + 2] & 0xFFL) << 16 | (p[pos + 3] & 0xFFL) << 24;
        pos += 4;
        byte[] part1 = Arrays.copyOfRange(p, pos, pos + 8);
        pos += 9;
        int capsLow = (p[pos] & 0xFF) | (p[pos + 1] & 0xFF) << 8;
        pos += 2 + 1 + 2;
        int capsHigh = (p[pos] & 0xFF) | (p[pos + 1] & 0xFF) << 8;
        pos += 2;
        int authLength = p[pos++] & 0xFF;
        pos += 10;
        int part2Length = Math.max(13, authLength - 8);
        byte[] part2 = Arrays.copyOfRange(p, pos, pos + part2Length - 1); // without the NUL
        pos += part2Length;
        int pluginEnd = indexOfNul(p, pos);
        String plugin = new String(p, pos, pluginEnd - pos, StandardCharsets.UTF_8);
        byte[] scramble = new byte[part1.length + part2.length];
        System.arraycopy(part1, 0, scramble, 0, 8);
        System.arraycopy(part2, 0, scramble, 8, part2.length);
        return new Greeting(protocol, version, id, scramble, capsLow | capsHigh << 16, plugin);
    }

    /** A HandshakeResponse41 with a 1-byte-length auth response and the given plugin name. */
    static byte[] handshakeResponse(int capabilities, String user, byte[] authResponse, String plugin) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        writeInt(b, capabilities, 4);
        writeInt(b, 1 << 24, 4);
        b.write(255);
        b.writeBytes(new byte[23]);
        b.writeBytes(user.getBytes(StandardCharsets.UTF_8));
        b.write(0);
        b.write(authResponse.length);
        b.writeBytes(authResponse);
        b.writeBytes(plugin.getBytes(StandardCharsets.UTF_8));
        b.write(0);
        return b.toByteArray();
    }

    /** Greeting, native-password login; returns the server's answer. */
    Packet login(String user, String password, int capabilities) throws IOException {
        Greeting greeting = readGreeting();
        write(
                1,
                handshakeResponse(
                        capabilities,
                        user,
                        NativePassword.response(password, greeting.scramble()),
                        Protocol.NATIVE_PASSWORD_PLUGIN));
        return read();
    }

    /** Sends a command with sequence id 0. */
    void command(int command, byte[] argument) throws IOException {
        byte[] payload = new byte[argument.length + 1];
        payload[0] = (byte) command;
        System.arraycopy(argument, 0, payload, 1, argument.length);
        write(0, payload);
    }

    void query(String sql) throws IOException {
        command(Protocol.COM_QUERY, sql.getBytes(StandardCharsets.UTF_8));
    }

    void write(int sequenceId, byte[] payload) throws IOException {
        writeRaw(frameHeader(payload.length, sequenceId));
        writeRaw(payload);
    }

    static byte[] frameHeader(int length, int sequenceId) {
        return new byte[] {(byte) length, (byte) (length >>> 8), (byte) (length >>> 16), (byte) sequenceId};
    }

    void writeRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    Packet read() throws IOException {
        byte[] header = new byte[4];
        in.readFully(header);
        int length = (header[0] & 0xFF) | (header[1] & 0xFF) << 8 | (header[2] & 0xFF) << 16;
        byte[] payload = new byte[length];
        in.readFully(payload);
        return new Packet(header[3] & 0xFF, payload);
    }

    /** True if the server closed the connection (end of stream) before sending anything more. */
    boolean closedByServer() throws IOException {
        try {
            return in.read() < 0;
        } catch (EOFException | java.net.SocketException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    private static int indexOfNul(byte[] bytes, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                return i;
            }
        }
        throw new IllegalStateException("no NUL after offset " + from);
    }

    private static void writeInt(ByteArrayOutputStream b, long value, int bytes) {
        for (int i = 0; i < bytes; i++) {
            b.write((int) (value >>> (8 * i)) & 0xFF);
        }
    }
}
