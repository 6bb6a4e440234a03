package dev.osc4j.testkit.mysql;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One client connection: the handshake and authentication, then the command loop. Runs on its own thread; any I/O or
 * protocol failure ends this connection only.
 */
final class ServerConnection implements Runnable {

    private static final System.Logger LOG = System.getLogger(MySqlProtocolServer.class.getName());

    private final ServerConfig config;
    private final Socket socket;
    private final long connectionId;
    private final BuiltInQueries builtIns;
    private final Runnable onExit;
    private final Object executionLock = new Object();
    private volatile @Nullable Thread thread;
    private volatile boolean closed;
    private boolean executing; // guarded by executionLock
    private boolean killed; // guarded by executionLock
    private @Nullable PacketChannel channel;
    private int capabilities;

    ServerConnection(ServerConfig config, Socket socket, long connectionId, BuiltInQueries builtIns, Runnable onExit) {
        this.config = config;
        this.socket = socket;
        this.connectionId = connectionId;
        this.builtIns = builtIns;
        this.onExit = onExit;
    }

    long connectionId() {
        return connectionId;
    }

    void start(Thread thread) {
        this.thread = thread;
        thread.start();
    }

    @Nullable
    Thread thread() {
        return thread;
    }

    /** Closes the socket, which ends the connection's thread at its next read or write; idempotent. */
    void close() {
        closed = true;
        try {
            socket.close();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "closing connection " + connectionId, e);
        }
        Thread current = thread;
        if (current != null && current != Thread.currentThread()) {
            current.interrupt(); // ends a delayed answer early
        }
    }

    /** KILL QUERY: interrupts the statement this connection is executing, if any. */
    void killQuery() {
        synchronized (executionLock) {
            Thread current = thread;
            if (executing && current != null) {
                killed = true;
                current.interrupt();
            }
        }
    }

    @Override
    public void run() {
        try {
            socket.setTcpNoDelay(true);
            PacketChannel packets = new PacketChannel(
                    new BufferedInputStream(socket.getInputStream()),
                    new BufferedOutputStream(socket.getOutputStream()));
            channel = packets;
            ConnectionSession session = authenticate(packets);
            if (session != null) {
                commandLoop(packets, session);
            }
        } catch (MalformedPacketException e) {
            LOG.log(Level.INFO, "connection " + connectionId + ": malformed packet, closing: " + e.reason());
            sendQuietly(Protocol.err(e.errorCode(), Protocol.SQLSTATE_CONNECTION_FAILURE, e.reason()));
        } catch (EOFException | SocketException e) {
            LOG.log(Level.DEBUG, "connection " + connectionId + " ended: " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            if (!closed) {
                LOG.log(Level.WARNING, "connection " + connectionId + " failed", e);
            }
        } finally {
            close();
            onExit.run();
        }
    }

    private @Nullable ConnectionSession authenticate(PacketChannel packets) throws IOException {
        byte[] scramble = NativePassword.newScramble();
        packets.write(Protocol.handshakeV10(
                config.serverVersion(), connectionId, scramble, Protocol.SERVER_STATUS_AUTOCOMMIT));
        packets.flush();
        byte[] payload = readDuringHandshake(packets);
        if (payload == null) {
            return null;
        }
        int clientCapabilities = HandshakeResponse.capabilities(payload);
        if ((clientCapabilities & Protocol.CLIENT_SSL) != 0) {
            send(Protocol.err(
                    Protocol.ER_HANDSHAKE_ERROR,
                    Protocol.SQLSTATE_CONNECTION_FAILURE,
                    "SSL is not supported by this test server: connect with sslMode=DISABLED (or useSSL=false)"));
            return null;
        }
        HandshakeResponse response = HandshakeResponse.parse(payload);
        capabilities = response.capabilities & Protocol.SERVER_CAPABILITIES;
        byte[] authResponse = response.authResponse;
        if (!Protocol.NATIVE_PASSWORD_PLUGIN.equals(response.authPlugin)) {
            LOG.log(
                    Level.DEBUG,
                    "connection " + connectionId + ": switching " + response.authPlugin + " to "
                            + Protocol.NATIVE_PASSWORD_PLUGIN);
            send(Protocol.authSwitchRequest(Protocol.NATIVE_PASSWORD_PLUGIN, scramble));
            byte[] switched = readDuringHandshake(packets);
            if (switched == null) {
                return null;
            }
            authResponse = switched;
        }
        String clientHost = socket.getInetAddress().getHostAddress();
        String password = config.users().get(response.user);
        if (password == null || !NativePassword.matches(password, scramble, authResponse)) {
            LOG.log(Level.DEBUG, "connection " + connectionId + ": access denied for " + response.user);
            send(Protocol.err(
                    MySqlError.ACCESS_DENIED,
                    "28000",
                    "Access denied for user '" + response.user + "'@'" + clientHost + "' (using password: "
                            + (authResponse.length > 0 ? "YES" : "NO") + ")"));
            return null;
        }
        ConnectionSession session = new ConnectionSession(
                connectionId,
                response.user,
                clientHost,
                response.database,
                config.sessionDefaults(),
                response.attributes);
        send(Protocol.ok(0, 0, statusFlags(session), 0, ""));
        return session;
    }

    private static byte @Nullable [] readDuringHandshake(PacketChannel packets) throws IOException {
        try {
            return packets.read();
        } catch (PacketTooLargeException e) {
            throw new MalformedPacketException("handshake packet too large");
        }
    }

    private void commandLoop(PacketChannel packets, ConnectionSession session) throws IOException {
        while (!closed) {
            packets.resetSequence();
            byte[] payload;
            try {
                payload = packets.read();
            } catch (PacketTooLargeException e) {
                send(Protocol.err(
                        Protocol.ER_NET_PACKET_TOO_LARGE,
                        Protocol.SQLSTATE_CONNECTION_FAILURE,
                        "Got a packet bigger than 'max_allowed_packet' bytes"));
                continue;
            }
            if (payload == null) {
                return;
            }
            if (payload.length == 0) {
                throw new MalformedPacketException("empty command packet");
            }
            int command = payload[0] & 0xFF;
            String argument = new String(payload, 1, payload.length - 1, StandardCharsets.UTF_8);
            switch (command) {
                case Protocol.COM_QUIT -> {
                    return;
                }
                case Protocol.COM_QUERY -> {
                    if (!query(session, argument)) {
                        return;
                    }
                }
                case Protocol.COM_PING -> sendOk(session, QueryResult.ok());
                case Protocol.COM_INIT_DB -> {
                    session.setDatabase(argument);
                    sendOk(session, QueryResult.ok());
                }
                case Protocol.COM_SET_OPTION -> {
                    if (payload.length != 3) {
                        throw new MalformedPacketException("COM_SET_OPTION needs a 2-byte option");
                    }
                    send(Protocol.endOfData(deprecateEof(), statusFlags(session), 0));
                }
                case Protocol.COM_RESET_CONNECTION -> {
                    session.reset();
                    sendOk(session, QueryResult.ok());
                }
                default -> {
                    LOG.log(
                            Level.DEBUG,
                            () -> "connection " + connectionId + ": unknown command 0x" + Integer.toHexString(command));
                    send(Protocol.err(
                            MySqlError.UNKNOWN_COMMAND, Protocol.SQLSTATE_CONNECTION_FAILURE, "Unknown command"));
                }
            }
        }
    }

    /** Runs one COM_QUERY; returns false if the connection must end (a dropped connection). */
    private boolean query(ConnectionSession session, String sql) throws IOException {
        LOG.log(Level.DEBUG, () -> "connection " + connectionId + " query: " + sql);
        var listener = config.queryListener();
        if (listener != null) {
            try {
                listener.accept(session, sql);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "query listener failed", e);
            }
        }
        QueryResult result;
        synchronized (executionLock) {
            executing = true;
            killed = false;
        }
        try {
            QueryResult answer = builtIns.answer(session, sql);
            if (answer == null) {
                answer = handle(session, sql);
            }
            result = resolveDelays(answer);
        } catch (MySqlError e) {
            send(Protocol.err(e));
            return true;
        } catch (InterruptedException e) {
            if (closed) {
                return false;
            }
            send(Protocol.err(MySqlError.QUERY_INTERRUPTED, "70100", "Query execution was interrupted"));
            return true;
        } catch (RuntimeException e) {
            if (wasKilled()) {
                send(Protocol.err(MySqlError.QUERY_INTERRUPTED, "70100", "Query execution was interrupted"));
                return true;
            }
            LOG.log(Level.WARNING, "query handler failed on: " + sql, e);
            send(Protocol.err(MySqlError.unknownError("query handler failed: " + e)));
            return true;
        } finally {
            synchronized (executionLock) {
                executing = false;
                killed = false;
                Thread.interrupted(); // a KILL that raced with the end of the statement must not hit the next one
            }
        }
        if (result instanceof QueryResult.DropConnection) {
            LOG.log(Level.DEBUG, "connection " + connectionId + ": dropping on request of the handler");
            return false;
        }
        if (result instanceof QueryResult.Ok ok) {
            sendOk(session, ok);
        } else if (result instanceof QueryResult.Rows rows) {
            sendRows(session, rows);
        }
        return true;
    }

    /** Calls the user's handler; a null answer (possible from code NullAway does not check) becomes an error. */
    @SuppressWarnings("NullAway") // checks what the type system promises, against unchecked callers
    private QueryResult handle(ConnectionSession session, String sql) throws MySqlError {
        QueryResult answer = config.handler().handle(session, sql);
        if (answer == null) {
            throw MySqlError.unknownError("the query handler returned null for: " + sql);
        }
        return answer;
    }

    private boolean wasKilled() {
        synchronized (executionLock) {
            return killed;
        }
    }

    private static QueryResult resolveDelays(QueryResult result) throws InterruptedException {
        QueryResult current = result;
        while (current instanceof QueryResult.Delayed delayed) {
            long nanos;
            try {
                nanos = delayed.delay().toNanos();
            } catch (ArithmeticException tooLong) {
                nanos = Long.MAX_VALUE;
            }
            TimeUnit.NANOSECONDS.sleep(nanos);
            current = delayed.then();
        }
        return current;
    }

    private void sendOk(ConnectionSession session, QueryResult.Ok ok) throws IOException {
        send(Protocol.ok(ok.affectedRows(), ok.lastInsertId(), statusFlags(session), ok.warnings(), ok.info()));
    }

    private void sendRows(ConnectionSession session, QueryResult.Rows rows) throws IOException {
        PacketChannel packets = requireChannel();
        List<byte[]> header = Protocol.resultSetHeader(rows);
        for (byte[] packet : header) {
            packets.write(packet);
        }
        int status = statusFlags(session);
        if (!deprecateEof()) {
            packets.write(Protocol.eof(status, 0));
        }
        for (List<@Nullable Object> row : rows.rows()) {
            packets.write(Protocol.textRow(rows.columns(), row));
        }
        packets.write(Protocol.endOfData(deprecateEof(), status, 0));
        packets.flush();
    }

    private boolean deprecateEof() {
        return (capabilities & Protocol.CLIENT_DEPRECATE_EOF) != 0;
    }

    private static int statusFlags(ConnectionSession session) {
        return session.autocommit() ? Protocol.SERVER_STATUS_AUTOCOMMIT : 0;
    }

    private void send(byte[] payload) throws IOException {
        PacketChannel packets = requireChannel();
        packets.write(payload);
        packets.flush();
    }

    private void sendQuietly(byte[] payload) {
        try {
            send(payload);
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.DEBUG, "could not send error to connection " + connectionId, e);
        }
    }

    private PacketChannel requireChannel() {
        PacketChannel packets = channel;
        if (packets == null) {
            throw new IllegalStateException("connection " + connectionId + " has no stream yet");
        }
        return packets;
    }
}
