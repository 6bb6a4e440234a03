package dev.osc4j.engine.ghost;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * gh-ost's interactive interface: one command per connection ({@code cmd} or {@code cmd=arg} and a newline), a
 * plain-text reply, then gh-ost closes the connection ({@code handleConnection} in {@code go/logic/server.go}).
 */
final class SocketClient {
    /** Replies longer than this are cut: a status with its hint block is a few hundred bytes. */
    private static final int MAX_REPLY_BYTES = 1 << 20;

    private SocketClient() {}

    /**
     * Sends {@code command} and returns the whole reply.
     *
     * @throws IOException when the socket does not exist, refuses, or does not answer within {@code timeout}
     */
    static String send(Path socket, String command, Duration timeout) throws IOException {
        if (command.indexOf('\n') >= 0 || command.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("a gh-ost command is one line, got " + command.length() + " chars");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
                Selector selector = Selector.open()) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            channel.configureBlocking(false);
            ByteBuffer out = ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.UTF_8));
            ByteArrayOutputStream reply = new ByteArrayOutputStream();
            ByteBuffer in = ByteBuffer.allocate(8192);
            channel.register(selector, SelectionKey.OP_WRITE | SelectionKey.OP_READ);
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new SocketTimeoutException("gh-ost did not answer '" + command + "' within "
                            + timeout.toMillis() + " ms on " + socket);
                }
                selector.select(Math.max(1, left / 1_000_000));
                selector.selectedKeys().clear();
                if (out.hasRemaining()) {
                    channel.write(out);
                    if (!out.hasRemaining()) {
                        channel.keyFor(selector).interestOps(SelectionKey.OP_READ);
                    }
                }
                int n = channel.read(in);
                if (n < 0) {
                    return reply.toString(StandardCharsets.UTF_8);
                }
                if (n > 0) {
                    reply.write(in.array(), 0, in.position());
                    in.clear();
                    if (reply.size() > MAX_REPLY_BYTES) {
                        return reply.toString(StandardCharsets.UTF_8);
                    }
                }
            }
        }
    }
}
