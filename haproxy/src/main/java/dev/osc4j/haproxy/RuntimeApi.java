package dev.osc4j.haproxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One connection per command to HAProxy's runtime API (the {@code stats socket}), in its non-interactive mode: the
 * command and a line feed are sent, and HAProxy answers and closes. Every step is bounded by the timeout, on a TCP
 * address or a unix socket alike.
 */
final class RuntimeApi {

    private static final int MAX_REPLY_BYTES = 16 * 1024 * 1024;

    private final SocketAddress address;
    private final Duration timeout;

    RuntimeApi(SocketAddress address, Duration timeout) {
        this.address = address;
        this.timeout = timeout;
    }

    /** Where the runtime API is, for messages: {@code 127.0.0.1:9999} or the socket's path. */
    String describe() {
        if (address instanceof InetSocketAddress inet) {
            return inet.getHostString() + ":" + inet.getPort();
        }
        if (address instanceof UnixDomainSocketAddress unix) {
            return unix.getPath().toString();
        }
        return address.toString();
    }

    /**
     * Sends {@code command} and returns HAProxy's whole reply.
     *
     * @throws IOException if the runtime API cannot be reached or does not answer in time
     */
    String execute(String command) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        SocketChannel channel = address instanceof UnixDomainSocketAddress
                ? SocketChannel.open(StandardProtocolFamily.UNIX)
                : SocketChannel.open();
        try (channel;
                Selector selector = Selector.open()) {
            channel.configureBlocking(false);
            SelectionKey key = channel.register(selector, 0);
            if (!channel.connect(address)) {
                do {
                    await(selector, key, SelectionKey.OP_CONNECT, deadline);
                } while (!channel.finishConnect());
            }
            ByteBuffer out = StandardCharsets.UTF_8.encode(command + "\n");
            while (out.hasRemaining()) {
                if (channel.write(out) == 0) {
                    await(selector, key, SelectionKey.OP_WRITE, deadline);
                }
            }
            ByteArrayOutputStream reply = new ByteArrayOutputStream();
            ByteBuffer in = ByteBuffer.allocate(8192);
            while (true) {
                int n = channel.read(in);
                if (n < 0) {
                    return reply.toString(StandardCharsets.UTF_8);
                }
                if (n == 0) {
                    await(selector, key, SelectionKey.OP_READ, deadline);
                    continue;
                }
                reply.write(in.array(), 0, in.position());
                in.clear();
                if (reply.size() > MAX_REPLY_BYTES) {
                    throw new IOException("the reply is longer than " + MAX_REPLY_BYTES + " bytes");
                }
            }
        }
    }

    private void await(Selector selector, SelectionKey key, int operation, long deadline) throws IOException {
        key.interestOps(operation);
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new SocketTimeoutException("no answer within " + timeout);
            }
            if (selector.select(Math.max(1, left / 1_000_000)) > 0) {
                selector.selectedKeys().clear();
                return;
            }
        }
    }
}
