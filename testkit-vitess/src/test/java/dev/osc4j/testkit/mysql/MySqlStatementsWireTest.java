package dev.osc4j.testkit.mysql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.testkit.mysql.RawMySqlClient.Packet;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Prepared statements and multi-statements at the packet level, as the MySQL protocol documentation lays them out. */
class MySqlStatementsWireTest {

    private static final String USER = "vt";
    private static final String PASSWORD = "pw";
    private static final int MYSQL_TYPE_LONGLONG = 0x08;
    private static final int MYSQL_TYPE_VAR_STRING = 0xfd;
    private static final int MULTI_STATEMENTS = RawMySqlClient.BASIC_CAPABILITIES | Protocol.CLIENT_MULTI_STATEMENTS;

    private static MySqlProtocolServer start() {
        return MySqlProtocolServer.builder()
                .user(USER, PASSWORD)
                .handler((session, sql) -> {
                    if (sql.startsWith("FAIL")) {
                        throw MySqlError.unsupported(sql);
                    }
                    return QueryResult.ok(2);
                })
                .build()
                .start();
    }

    private static RawMySqlClient login(MySqlProtocolServer server, int capabilities) throws Exception {
        RawMySqlClient client = new RawMySqlClient(server.port());
        assertThat(client.login(USER, PASSWORD, capabilities).isOk()).isTrue();
        return client;
    }

    private static byte[] int4(long value) {
        return new byte[] {(byte) value, (byte) (value >>> 8), (byte) (value >>> 16), (byte) (value >>> 24)};
    }

    /** The status flags of a classic EOF (header, warnings, status) or of an OK whose counters fit in one byte. */
    private static int status(Packet okOrEof) {
        byte[] p = okOrEof.payload();
        return (p[3] & 0xFF) | (p[4] & 0xFF) << 8;
    }

    private static void assertOkWithMoreResults(Packet packet) {
        assertThat(packet.isOk()).isTrue();
        assertThat(status(packet) & Protocol.SERVER_MORE_RESULTS_EXISTS).isNotZero();
    }

    private static long prepare(RawMySqlClient client, String sql, int expectedParameters) throws Exception {
        client.command(Protocol.COM_STMT_PREPARE, sql.getBytes(StandardCharsets.UTF_8));
        Packet ok = client.read();
        assertThat(ok.header()).as("COM_STMT_PREPARE_OK").isZero();
        byte[] p = ok.payload();
        assertThat(p).hasSize(12);
        long id = (p[1] & 0xFFL) | (p[2] & 0xFFL) << 8 | (p[3] & 0xFFL) << 16 | (p[4] & 0xFFL) << 24;
        assertThat((p[5] & 0xFF) | (p[6] & 0xFF) << 8).as("columns").isZero();
        assertThat((p[7] & 0xFF) | (p[8] & 0xFF) << 8).as("parameters").isEqualTo(expectedParameters);
        for (int i = 0; i < expectedParameters; i++) {
            assertThat(client.read().payload()).as("parameter definition").startsWith(3, 'd', 'e', 'f');
        }
        if (expectedParameters > 0) {
            assertThat(client.read().header())
                    .as("EOF after the parameter definitions")
                    .isEqualTo(0xFE);
        }
        return id;
    }

    private static void assertPingAnswersNext(RawMySqlClient client) throws Exception {
        client.command(Protocol.COM_PING, new byte[0]);
        Packet pong = client.read();
        assertThat(pong.isOk()).as("the next packet answers the ping").isTrue();
        assertThat(pong.sequenceId()).isEqualTo(1);
    }

    @Test
    @DisplayName("COM_STMT_CLOSE and COM_STMT_SEND_LONG_DATA get no answer, for known and unknown statements alike")
    void noAnswerWhereTheProtocolHasNone() throws Exception {
        try (MySqlProtocolServer server = start();
                RawMySqlClient client = login(server, RawMySqlClient.BASIC_CAPABILITIES)) {
            long id = prepare(client, "SELECT ?", 1);
            ByteArrayOutputStream longData = new ByteArrayOutputStream();
            longData.writeBytes(int4(id));
            longData.writeBytes(new byte[] {0, 0});
            longData.writeBytes("chunk".getBytes(StandardCharsets.UTF_8));
            client.command(Protocol.COM_STMT_SEND_LONG_DATA, longData.toByteArray());
            client.command(Protocol.COM_STMT_CLOSE, int4(id));
            client.command(Protocol.COM_STMT_CLOSE, int4(id)); // already closed
            client.command(Protocol.COM_STMT_CLOSE, int4(999)); // never prepared
            assertPingAnswersNext(client);
        }
    }

    @Test
    @DisplayName("an execution binds typed parameters and NULL and answers a binary result set")
    void binaryResultSet() throws Exception {
        try (MySqlProtocolServer server = start();
                RawMySqlClient client = login(server, RawMySqlClient.BASIC_CAPABILITIES)) {
            long id = prepare(client, "SELECT ? AS n, ? AS s, ? AS z", 3);
            ByteArrayOutputStream execute = new ByteArrayOutputStream();
            execute.writeBytes(int4(id));
            execute.write(0); // no cursor
            execute.writeBytes(int4(1)); // iteration count
            execute.write(0b100); // NULL bitmap: the third parameter
            execute.write(1); // new parameters bound: types follow
            execute.writeBytes(new byte[] {MYSQL_TYPE_LONGLONG, 0, (byte) MYSQL_TYPE_VAR_STRING, 0, 6, 0});
            execute.writeBytes(new byte[] {42, 0, 0, 0, 0, 0, 0, 0}); // 42 as an 8-byte integer
            execute.write(4);
            execute.writeBytes("it's".getBytes(StandardCharsets.UTF_8));
            client.command(Protocol.COM_STMT_EXECUTE, execute.toByteArray());

            assertThat(client.read().payload()).as("column count").containsExactly(3);
            List<Packet> definitions = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                definitions.add(client.read());
            }
            assertThat(definitions.get(0).payload()[definitions.get(0).payload().length - 6] & 0xFF)
                    .as("type of n")
                    .isEqualTo(MYSQL_TYPE_LONGLONG);
            assertThat(client.read().header()).as("EOF after the definitions").isEqualTo(0xFE);
            Packet row = client.read();
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            expected.write(0); // row header
            expected.write(0b10000); // NULL bitmap, offset 2: column 3
            expected.writeBytes(new byte[] {42, 0, 0, 0, 0, 0, 0, 0});
            expected.write(4);
            expected.writeBytes("it's".getBytes(StandardCharsets.UTF_8));
            assertThat(row.payload()).containsExactly(expected.toByteArray());
            assertThat(client.read().header()).as("EOF after the rows").isEqualTo(0xFE);

            // Re-executed without types: the bound types are kept.
            ByteArrayOutputStream again = new ByteArrayOutputStream();
            again.writeBytes(int4(id));
            again.write(0);
            again.writeBytes(int4(1));
            again.write(0b110);
            again.write(0);
            again.writeBytes(new byte[] {7, 0, 0, 0, 0, 0, 0, 0});
            client.command(Protocol.COM_STMT_EXECUTE, again.toByteArray());
            assertThat(client.read().payload()).containsExactly(3);
            for (int i = 0; i < 4; i++) {
                client.read();
            }
            assertThat(client.read().payload()).containsExactly(0, 0b11000, 7, 0, 0, 0, 0, 0, 0, 0);
            assertThat(client.read().header()).isEqualTo(0xFE);
            assertPingAnswersNext(client);
        }
    }

    @Test
    @DisplayName("unknown statements, multi-statement prepares and cursor fetches get the MySQL errors")
    void preparedStatementErrors() throws Exception {
        try (MySqlProtocolServer server = start();
                RawMySqlClient client = login(server, RawMySqlClient.BASIC_CAPABILITIES)) {
            ByteArrayOutputStream execute = new ByteArrayOutputStream();
            execute.writeBytes(int4(77));
            execute.write(0);
            execute.writeBytes(int4(1));
            client.command(Protocol.COM_STMT_EXECUTE, execute.toByteArray());
            assertThat(client.read().errorCode()).isEqualTo(1243);
            client.command(Protocol.COM_STMT_RESET, int4(77));
            assertThat(client.read().errorCode()).isEqualTo(1243);
            client.command(Protocol.COM_STMT_PREPARE, "SET @a = 1; SET @b = 2".getBytes(StandardCharsets.UTF_8));
            assertThat(client.read().errorMessage()).isEqualTo("cannot prepare multiple statements");
            client.command(Protocol.COM_STMT_PREPARE, "SELECT 'unterminated".getBytes(StandardCharsets.UTF_8));
            assertThat(client.read().errorCode()).isEqualTo(1064);
            long id = prepare(client, "SELECT '?' AS q /* ? */", 0);
            client.command(Protocol.COM_STMT_RESET, int4(id));
            assertThat(client.read().isOk()).isTrue();
            client.command(Protocol.COM_STMT_FETCH, new byte[] {(byte) id, 0, 0, 0, 1, 0, 0, 0});
            assertThat(client.read().errorCode()).isEqualTo(1421);
            assertPingAnswersNext(client);
        }
    }

    @Test
    @DisplayName("a multi-statement sends one result each, SERVER_MORE_RESULTS_EXISTS on all but the last")
    void multiStatement() throws Exception {
        try (MySqlProtocolServer server = start();
                RawMySqlClient client = login(server, MULTI_STATEMENTS)) {
            client.query("SET @a = 1; /* ; */ SELECT @a AS a, ';' AS b;");
            assertOkWithMoreResults(client.read());
            assertThat(client.read().payload()).as("column count").containsExactly(2);
            client.read();
            client.read();
            client.read(); // EOF after the definitions
            assertThat(new String(client.read().payload(), StandardCharsets.UTF_8))
                    .isEqualTo("\u00011\u0001;");
            Packet end = client.read();
            assertThat(end.header()).isEqualTo(0xFE);
            assertThat(status(end) & Protocol.SERVER_MORE_RESULTS_EXISTS).isZero();
            assertPingAnswersNext(client);
        }
    }

    @Test
    @DisplayName("the first failing statement of a multi-statement ends it: the statements after it do not run")
    void multiStatementStopsAtTheFirstError() throws Exception {
        try (MySqlProtocolServer server = start();
                RawMySqlClient client = login(server, MULTI_STATEMENTS)) {
            client.query("SET @a = 1; FAIL now; SET @a = 2");
            assertOkWithMoreResults(client.read());
            Packet error = client.read();
            assertThat(error.isErr()).isTrue();
            assertThat(error.errorMessage()).isEqualTo("unsupported: FAIL now");
            client.query("SELECT @a AS a");
            assertThat(client.read().payload()).containsExactly(1);
            client.read();
            client.read();
            assertThat(new String(client.read().payload(), StandardCharsets.UTF_8))
                    .isEqualTo("\u00011");
        }
    }

    @Test
    @DisplayName("without CLIENT_MULTI_STATEMENTS, or after COM_SET_OPTION turned it off, the text is one statement")
    void multiStatementsOff() throws Exception {
        try (MySqlProtocolServer server = start();
                RawMySqlClient plain = login(server, RawMySqlClient.BASIC_CAPABILITIES);
                RawMySqlClient switched = login(server, MULTI_STATEMENTS)) {
            plain.query("DELETE FROM a; DELETE FROM b");
            Packet whole = plain.read();
            assertThat(whole.isOk()).isTrue();
            assertThat(status(whole) & Protocol.SERVER_MORE_RESULTS_EXISTS).isZero();

            switched.command(Protocol.COM_SET_OPTION, new byte[] {1, 0}); // MYSQL_OPTION_MULTI_STATEMENTS_OFF
            assertThat(switched.read().header()).isEqualTo(0xFE);
            switched.query("DELETE FROM a; DELETE FROM b");
            assertThat(status(switched.read()) & Protocol.SERVER_MORE_RESULTS_EXISTS)
                    .isZero();
            assertPingAnswersNext(switched);

            plain.command(Protocol.COM_SET_OPTION, new byte[] {0, 0}); // MYSQL_OPTION_MULTI_STATEMENTS_ON
            assertThat(plain.read().header()).isEqualTo(0xFE);
            plain.query("DELETE FROM a; DELETE FROM b");
            assertThat(status(plain.read()) & Protocol.SERVER_MORE_RESULTS_EXISTS)
                    .isNotZero();
            assertThat(status(plain.read()) & Protocol.SERVER_MORE_RESULTS_EXISTS)
                    .isZero();
        }
    }
}
