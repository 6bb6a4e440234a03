package dev.osc4j.testkit.ghost;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The fake's interactive interface on a Unix socket, as gh-ost serves it: one line per connection, the reply, then the
 * connection is closed; each connection on a thread of its own.
 */
final class FakeGhostSocket implements AutoCloseable {
    private final Path path;
    private final ServerSocketChannel server;
    private final FakeGhostRun run;
    private volatile boolean closed;

    private FakeGhostSocket(Path path, ServerSocketChannel server, FakeGhostRun run) {
        this.path = path;
        this.server = server;
        this.run = run;
    }

    /** Binds {@code path} (which must not exist) and starts answering. */
    static FakeGhostSocket start(Path path, FakeGhostRun run) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(path));
        } catch (IOException e) {
            server.close();
            throw e;
        }
        FakeGhostSocket s = new FakeGhostSocket(path, server, run);
        Thread t = new Thread(s::acceptLoop, "fake-gh-ost-socket");
        t.setDaemon(true);
        t.start();
        return s;
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                SocketChannel c = server.accept();
                Thread t = new Thread(() -> handle(c), "fake-gh-ost-command");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                if (!closed) {
                    run.log("ERROR", "accept: " + e.getMessage());
                }
                return;
            }
        }
    }

    private void handle(SocketChannel c) {
        String reply;
        try (c) {
            String line = readLine(c);
            reply = run.command(line);
            ByteBuffer out = ByteBuffer.wrap(reply.getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) {
                c.write(out);
            }
        } catch (IOException e) {
            return;
        }
        if (reply.equals(run.panicReply())) {
            run.panic(reply.strip());
        }
    }

    private static String readLine(SocketChannel c) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        ByteBuffer b = ByteBuffer.allocate(1);
        while (line.size() < 65536 && c.read(b) > 0) {
            byte x = b.get(0);
            b.clear();
            if (x == '\n') {
                break;
            }
            line.write(x);
        }
        String s = line.toString(StandardCharsets.UTF_8);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    /** Stops answering and removes the socket file. */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            run.log("ERROR", "cannot remove socket file " + path + ": " + e.getMessage());
        }
    }
}
