package dev.osc4j.testkit.mysql;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One client connection: the handshake and authentication, then the command loop. Runs on its own thread; any I/O or
 * protocol failure ends this connection only.
 */
final class ServerConnection implements Runnable {

    private static final System.Logger LOG = System.getLogger(MySqlProtocolServer.class.getName());

    /** MySQL's default max_prepared_stmt_count, applied per connection. */
    static final int MAX_PREPARED_STATEMENTS = 16_382;

    private static final int QUERY_WAS_EMPTY = 1065;
    private static final int UNKNOWN_STMT_HANDLER = 1243;
    private static final int TOO_MANY_PLACEHOLDERS = 1390;
    private static final int STMT_HAS_NO_OPEN_CURSOR = 1421;
    private static final int MAX_PREPARED_STMT_COUNT_REACHED = 1461;

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
    private boolean multiStatements; // CLIENT_MULTI_STATEMENTS, switched by COM_SET_OPTION
    private final Map<Long, PreparedStatement> statements = new HashMap<>();
    private long nextStatementId = 1;

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
        multiStatements = (capabilities & Protocol.CLIENT_MULTI_STATEMENTS) != 0;
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
        send(Protocol.ok(0, 0, statusFlags(session, false), 0, ""));
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
            if (!command(session, payload)) {
                return;
            }
        }
    }

    /**
     * Answers one command; returns false if the connection must end. Two commands get no answer at all, as the
     * protocol says: COM_STMT_CLOSE and COM_STMT_SEND_LONG_DATA (an answer would be read as the answer to the next
     * command).
     */
    private boolean command(ConnectionSession session, byte[] payload) throws IOException {
        int command = payload[0] & 0xFF;
        switch (command) {
            case Protocol.COM_QUIT -> {
                return false;
            }
            case Protocol.COM_QUERY -> {
                return query(session, argument(payload));
            }
            case Protocol.COM_PING -> sendOk(session, QueryResult.ok(), false);
            case Protocol.COM_INIT_DB -> {
                session.setDatabase(argument(payload));
                sendOk(session, QueryResult.ok(), false);
            }
            case Protocol.COM_FIELD_LIST -> {
                return fieldList(session, payload);
            }
            case Protocol.COM_SET_OPTION -> setOption(session, payload);
            case Protocol.COM_RESET_CONNECTION -> {
                session.reset();
                statements.clear();
                sendOk(session, QueryResult.ok(), false);
            }
            case Protocol.COM_STMT_PREPARE -> prepare(argument(payload));
            case Protocol.COM_STMT_EXECUTE -> {
                return executePrepared(session, payload);
            }
            case Protocol.COM_STMT_SEND_LONG_DATA -> sendLongData(payload);
            case Protocol.COM_STMT_CLOSE -> closeStatement(payload);
            case Protocol.COM_STMT_RESET -> resetStatement(session, payload);
            case Protocol.COM_STMT_FETCH -> {
                // No execution opens a cursor (the whole result set is always sent), so there is nothing to fetch.
                long id = payload.length >= 5
                        ? new PayloadReader(payload).skipThen(1).int4()
                        : 0;
                send(Protocol.err(
                        STMT_HAS_NO_OPEN_CURSOR,
                        MySqlError.GENERAL_SQL_STATE,
                        "The statement (" + id + ") has no open cursor."));
            }
            default -> {
                LOG.log(
                        Level.DEBUG,
                        () -> "connection " + connectionId + ": unknown command 0x" + Integer.toHexString(command));
                send(Protocol.err(MySqlError.UNKNOWN_COMMAND, Protocol.SQLSTATE_CONNECTION_FAILURE, "Unknown command"));
            }
        }
        return true;
    }

    private static String argument(byte[] payload) {
        return new String(payload, 1, payload.length - 1, StandardCharsets.UTF_8);
    }

    /**
     * Runs one COM_QUERY; returns false if the connection must end (a dropped connection). With multi-statements on,
     * the text is split into statements as VTGate splits it (go/mysql/conn.go in vitessio/vitess: {@code
     * sqlparser.SplitStatementToPieces} when the connection has {@code CLIENT_MULTI_STATEMENTS}); each result but the
     * last carries SERVER_MORE_RESULTS_EXISTS, and the first error ends the sequence, as MySQL does
     * (page_protocol_multi_resultset.html).
     */
    private boolean query(ConnectionSession session, String sql) throws IOException {
        List<String> pieces = multiStatements ? SqlLexer.splitStatements(sql) : null;
        List<String> statementsToRun = pieces != null && pieces.size() > 1 ? pieces : List.of(sql);
        for (int i = 0; i < statementsToRun.size(); i++) {
            boolean more = i < statementsToRun.size() - 1;
            QueryResult result;
            try {
                result = execute(session, statementsToRun.get(i));
            } catch (MySqlError e) {
                send(Protocol.err(e));
                return true;
            }
            if (!sendResult(session, result, more, false)) {
                return false;
            }
        }
        return true;
    }

    /** Sends what a statement came to; returns false if the connection must end ({@code null}: it was dropped). */
    private boolean sendResult(ConnectionSession session, @Nullable QueryResult result, boolean more, boolean binary)
            throws IOException {
        if (result == null) {
            return false;
        }
        if (result instanceof QueryResult.Rows rows) {
            sendRows(session, rows, more, binary);
        } else if (result instanceof QueryResult.Ok ok) {
            sendOk(session, ok, more);
        }
        return true;
    }

    /**
     * Runs one statement through the built-in answers and the handler.
     *
     * @return an {@link QueryResult.Ok} or {@link QueryResult.Rows}, or null if the connection must end
     * @throws MySqlError the error to answer, including 1317 for a killed statement
     */
    private @Nullable QueryResult execute(ConnectionSession session, String sql) throws MySqlError {
        LOG.log(Level.DEBUG, () -> "connection " + connectionId + " query: " + sql);
        var listener = config.queryListener();
        if (listener != null) {
            try {
                listener.accept(session, sql);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "query listener failed", e);
            }
        }
        synchronized (executionLock) {
            executing = true;
            killed = false;
        }
        QueryResult result;
        try {
            QueryResult answer = builtIns.answer(session, sql);
            if (answer == null) {
                answer = handle(session, sql);
            }
            result = resolveDelays(answer);
        } catch (InterruptedException e) {
            if (closed) {
                return null;
            }
            throw interrupted();
        } catch (RuntimeException e) {
            if (wasKilled()) {
                throw interrupted();
            }
            LOG.log(Level.WARNING, "query handler failed on: " + sql, e);
            throw MySqlError.unknownError("query handler failed: " + e);
        } finally {
            synchronized (executionLock) {
                executing = false;
                killed = false;
                Thread.interrupted(); // a KILL that raced with the end of the statement must not hit the next one
            }
        }
        if (result instanceof QueryResult.DropConnection) {
            LOG.log(Level.DEBUG, "connection " + connectionId + ": dropping on request of the handler");
            return null;
        }
        return result;
    }

    private static MySqlError interrupted() {
        return new MySqlError(MySqlError.QUERY_INTERRUPTED, "70100", "Query execution was interrupted");
    }

    /**
     * COM_FIELD_LIST (page_protocol_com_field_list.html), deprecated but still sent by some clients: answered as
     * VTGate answers it, by running {@code SELECT * FROM `table` LIMIT 0} and sending only its column definitions.
     */
    private boolean fieldList(ConnectionSession session, byte[] payload) throws IOException {
        PayloadReader in = new PayloadReader(payload);
        in.skip(1);
        String table = in.nulTerminatedString();
        QueryResult result;
        try {
            result = execute(session, "SELECT * FROM `" + table.replace("`", "``") + "` LIMIT 0");
        } catch (MySqlError e) {
            send(Protocol.err(e));
            return true;
        }
        if (result == null) {
            return false;
        }
        if (!(result instanceof QueryResult.Rows rows)) {
            send(Protocol.err(MySqlError.unknownError("unexpected: query ended without fields and no error")));
            return true;
        }
        PacketChannel packets = requireChannel();
        for (byte[] definition : Protocol.columnDefinitions(rows)) {
            packets.write(definition);
        }
        packets.write(Protocol.endOfData(deprecateEof(), statusFlags(session, false), 0));
        packets.flush();
        return true;
    }

    /** COM_SET_OPTION (page_protocol_com_set_option.html): turns multi-statements on or off, as VTGate does. */
    private void setOption(ConnectionSession session, byte[] payload) throws IOException {
        if (payload.length != 3) {
            throw new MalformedPacketException("COM_SET_OPTION needs a 2-byte option");
        }
        int option = (payload[1] & 0xFF) | (payload[2] & 0xFF) << 8;
        if (option == Protocol.MYSQL_OPTION_MULTI_STATEMENTS_ON) {
            multiStatements = true;
        } else if (option == Protocol.MYSQL_OPTION_MULTI_STATEMENTS_OFF) {
            multiStatements = false;
        } else {
            send(Protocol.err(MySqlError.UNKNOWN_COMMAND, Protocol.SQLSTATE_CONNECTION_FAILURE, "Unknown command"));
            return;
        }
        send(Protocol.endOfData(deprecateEof(), statusFlags(session, false), 0));
    }

    /**
     * COM_STMT_PREPARE (page_protocol_com_stmt_prepare.html): a statement id, no column definitions (each execution
     * sends its own, as for any statement whose columns are only known when it runs) and one definition per {@code ?}
     * placeholder outside quotes and comments.
     */
    private void prepare(String sql) throws IOException {
        List<String> pieces = SqlLexer.splitStatements(sql);
        List<Integer> placeholders = SqlLexer.placeholders(sql);
        if (pieces == null || placeholders == null) {
            send(Protocol.err(new MySqlError(
                    MySqlError.PARSE_ERROR,
                    "42000",
                    "You have an error in your SQL syntax: an unterminated quote or comment")));
            return;
        }
        if (pieces.isEmpty()) {
            send(Protocol.err(new MySqlError(QUERY_WAS_EMPTY, "42000", "Query was empty")));
            return;
        }
        if (pieces.size() > 1) {
            send(Protocol.err(MySqlError.unknownError("cannot prepare multiple statements")));
            return;
        }
        if (placeholders.size() > 0xFFFF) {
            send(Protocol.err(new MySqlError(
                    TOO_MANY_PLACEHOLDERS,
                    MySqlError.GENERAL_SQL_STATE,
                    "Prepared statement contains too many placeholders")));
            return;
        }
        if (statements.size() >= MAX_PREPARED_STATEMENTS) {
            send(Protocol.err(new MySqlError(
                    MAX_PREPARED_STMT_COUNT_REACHED,
                    "42000",
                    "Can't create more than max_prepared_stmt_count statements (current value: "
                            + MAX_PREPARED_STATEMENTS + ")")));
            return;
        }
        long id = nextStatementId++;
        statements.put(id, new PreparedStatement(id, sql, placeholders));
        PacketChannel packets = requireChannel();
        packets.write(Protocol.prepareOk(id, placeholders.size()));
        if (!placeholders.isEmpty()) {
            for (int i = 0; i < placeholders.size(); i++) {
                packets.write(Protocol.parameterDefinition());
            }
            if (!deprecateEof()) {
                packets.write(Protocol.eof(Protocol.SERVER_STATUS_AUTOCOMMIT, 0));
            }
        }
        packets.flush();
    }

    /**
     * COM_STMT_EXECUTE (page_protocol_com_stmt_execute.html): the bound values are substituted into the statement,
     * which runs like a text query; rows come back as a binary result set. A cursor asked for in the flags is not
     * opened: the whole result set is sent, without SERVER_STATUS_CURSOR_EXISTS, which clients accept.
     */
    private boolean executePrepared(ConnectionSession session, byte[] payload) throws IOException {
        PayloadReader in = new PayloadReader(payload);
        in.skip(1);
        long id = in.int4();
        in.int1(); // flags (cursor type)
        in.int4(); // iteration count, always 1
        QueryResult result;
        try {
            PreparedStatement statement = statements.get(id);
            if (statement == null) {
                throw unknownStatement(id, "mysqld_stmt_execute");
            }
            result = execute(session, statement.bind(in));
        } catch (MySqlError e) {
            send(Protocol.err(e));
            return true;
        }
        return sendResult(session, result, false, true);
    }

    /**
     * COM_STMT_SEND_LONG_DATA (page_protocol_com_stmt_send_long_data.html): never answered. A chunk for an unknown
     * statement is dropped; one for a parameter the statement does not have fails its next execution, as in MySQL.
     */
    private void sendLongData(byte[] payload) {
        try {
            PayloadReader in = new PayloadReader(payload);
            in.skip(1);
            PreparedStatement statement = statements.get(in.int4());
            int parameter = in.int2();
            if (statement != null) {
                statement.appendLongData(parameter, in.rest());
            }
        } catch (MalformedPacketException e) {
            LOG.log(Level.DEBUG, "connection " + connectionId + ": malformed COM_STMT_SEND_LONG_DATA ignored");
        }
    }

    /** COM_STMT_CLOSE (page_protocol_com_stmt_close.html): never answered, even for an unknown statement. */
    private void closeStatement(byte[] payload) {
        if (payload.length >= 5) {
            try {
                statements.remove(new PayloadReader(payload).skipThen(1).int4());
            } catch (MalformedPacketException e) {
                LOG.log(Level.DEBUG, "connection " + connectionId + ": malformed COM_STMT_CLOSE ignored");
            }
        }
    }

    /** COM_STMT_RESET (page_protocol_com_stmt_reset.html): drops the long data; OK, or ERR for an unknown statement. */
    private void resetStatement(ConnectionSession session, byte[] payload) throws IOException {
        PayloadReader in = new PayloadReader(payload);
        in.skip(1);
        long id = in.int4();
        PreparedStatement statement = statements.get(id);
        if (statement == null) {
            send(Protocol.err(unknownStatement(id, "mysqld_stmt_reset")));
            return;
        }
        statement.reset();
        sendOk(session, QueryResult.ok(), false);
    }

    private static MySqlError unknownStatement(long id, String command) {
        return new MySqlError(
                UNKNOWN_STMT_HANDLER,
                MySqlError.GENERAL_SQL_STATE,
                "Unknown prepared statement handler (" + id + ") given to " + command);
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

    private void sendOk(ConnectionSession session, QueryResult.Ok ok, boolean more) throws IOException {
        send(Protocol.ok(ok.affectedRows(), ok.lastInsertId(), statusFlags(session, more), ok.warnings(), ok.info()));
    }

    /**
     * A text result set (page_protocol_com_query_response_text_resultset.html) or, for COM_STMT_EXECUTE, a binary one
     * (page_protocol_binary_resultset.html). Binary rows are encoded before anything is sent, so that a value that
     * cannot be sent as its column type fails the statement with an ERR instead of breaking the stream.
     */
    private void sendRows(ConnectionSession session, QueryResult.Rows rows, boolean more, boolean binary)
            throws IOException {
        List<byte[]> rowPackets = new ArrayList<>(rows.rows().size());
        try {
            for (List<@Nullable Object> row : rows.rows()) {
                rowPackets.add(
                        binary ? Protocol.binaryRow(rows.columns(), row) : Protocol.textRow(rows.columns(), row));
            }
        } catch (IllegalArgumentException e) {
            send(Protocol.err(MySqlError.unknownError(e.getMessage() == null ? e.toString() : e.getMessage())));
            return;
        }
        PacketChannel packets = requireChannel();
        for (byte[] packet : Protocol.resultSetHeader(rows)) {
            packets.write(packet);
        }
        int status = statusFlags(session, more);
        if (!deprecateEof()) {
            packets.write(Protocol.eof(status, 0));
        }
        for (byte[] packet : rowPackets) {
            packets.write(packet);
        }
        packets.write(Protocol.endOfData(deprecateEof(), status, 0));
        packets.flush();
    }

    private boolean deprecateEof() {
        return (capabilities & Protocol.CLIENT_DEPRECATE_EOF) != 0;
    }

    private static int statusFlags(ConnectionSession session, boolean more) {
        return (session.autocommit() ? Protocol.SERVER_STATUS_AUTOCOMMIT : 0)
                | (more ? Protocol.SERVER_MORE_RESULTS_EXISTS : 0);
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
