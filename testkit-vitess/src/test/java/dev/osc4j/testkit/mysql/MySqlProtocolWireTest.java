package dev.osc4j.testkit.mysql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.testkit.mysql.RawMySqlClient.Greeting;
import dev.osc4j.testkit.mysql.RawMySqlClient.Packet;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Packet-level behaviour, seen through a bare socket: layouts, sequence ids and misbehaving clients. */
class MySqlProtocolWireTest {

    private static final String USER = "vt";
    private static final String PASSWORD = "pw";

    private static MySqlProtocolServer start() {
        return MySqlProtocolServer.builder()
                .user(USER, PASSWORD)
                .serverVersion("8.0.40-Vitess")
                .handler((session, sql) -> QueryResult.ok(2))
                .build()
                .start();
    }

    private static void assertServerStillServes(MySqlProtocolServer server) throws Exception {
        try (Connection connection = DriverManager.getConnection(server.jdbcUrl(), USER, PASSWORD)) {
            assertThat(connection.createStatement().executeUpdate("DELETE FROM t"))
                    .isEqualTo(2);
        }
    }

    @Test
    @DisplayName("the greeting is a v10 handshake with the version, a 20-byte scramble and mysql_native_password")
    void greeting() throws Exception {
        try (MySqlProtocolServer server = start();
                RawMySqlClient client = new RawMySqlClient(server.port())) {
            Greeting greeting = client.readGreeting();
            assertThat(greeting.protocolVersion()).isEqualTo(10);
            assertThat(greeting.serverVersion()).isEqualTo("8.0.40-Vitess");
            assertThat(greeting.connectionId()).isPositive();
            assertThat(greeting.scramble()).hasSize(20).doesNotContain((byte) 0);
            assertThat(greeting.plugin()).isEqualTo("mysql_native_password");
            assertThat(greeting.capabilities() & Protocol.CLIENT_PROTOCOL_41).isNotZero();
            assertThat(greeting.capabilities() & Protocol.CLIENT_PLUGIN_AUTH).isNotZero();
            assertThat(greeting.capabilities() & Protocol.CLIENT_DEPRECATE_EOF).isNotZero();
            assertThat(greeting.capabilities() & Protocol.CLIENT_SSL).isZero();
            assertThat(greeting.capabilities() & Protocol.CLIENT_QUERY_ATTRIBUTES)
                    .isZero();
        }
    }

    @Test
    @DisplayName("a client starting with another plugin gets an AuthSwitchRequest with the same scramble")
    void authSwitchRequest() throws Exception {
        try (MySqlProtocolServer server = start();
                RawMySqlClient client = new RawMySqlClient(server.port())) {
            Greeting greeting = client.readGreeting();
            client.write(
                    1,
                    RawMySqlClient.handshakeResponse(
                            RawMySqlClient.BASIC_CAPABILITIES, USER, new byte[32], "caching_sha2_password"));
            Packet switchRequest = client.read();
            assertThat(switchRequest.sequenceId()).isEqualTo(2);
            assertThat(switchRequest.header()).isEqualTo(0xFE);
            byte[] expected = new byte[1 + 22 + 20 + 1];
            expected[0] = (byte) 0xFE;
            System.arraycopy("mysql_native_password".getBytes(StandardCharsets.US_ASCII), 0, expected, 1, 21);
            System.arraycopy(greeting.scramble(), 0, expected, 23, 20);
            assertThat(switchRequest.payload()).isEqualTo(expected);

            client.write(3, NativePassword.response(PASSWORD, greeting.scramble()));
            Packet ok = client.read();
            assertThat(ok.sequenceId()).isEqualTo(4);
            assertThat(ok.isOk()).isTrue();
        }
    }

    @Test
    @DisplayName("without CLIENT_DEPRECATE_EOF a result set has classic EOF packets, with correct sequence ids")
    void classicEofResultSet() throws Exception {
        try (MySqlProtocolServer server = start();
                RawMySqlClient client = new RawMySqlClient(server.port())) {
            Packet ok = client.login(USER, PASSWORD, RawMySqlClient.BASIC_CAPABILITIES);
            assertThat(ok.isOk()).isTrue();
            assertThat(ok.sequenceId()).isEqualTo(2);
            client.query("SELECT 1 AS one");
            List<Packet> packets = readPackets(client, 5);
            assertThat(packets).extracting(Packet::sequenceId).containsExactly(1, 2, 3, 4, 5);
            assertThat(packets.get(0).payload()).containsExactly(1); // one column
            assertThat(packets.get(2).payload()).hasSize(5).startsWith((byte) 0xFE); // EOF after definitions
            assertThat(new String(packets.get(3).payload(), StandardCharsets.UTF_8))
                    .isEqualTo("\u00011");
            assertThat(packets.get(4).payload()).hasSize(5).startsWith((byte) 0xFE);
        }
    }

    @Test
    @DisplayName("with CLIENT_DEPRECATE_EOF a result set ends with an OK packet carrying the EOF header")
    void deprecateEofResultSet() throws Exception {
        try (MySqlProtocolServer server = start();
                RawMySqlClient client = new RawMySqlClient(server.port())) {
            client.login(USER, PASSWORD, RawMySqlClient.BASIC_CAPABILITIES | Protocol.CLIENT_DEPRECATE_EOF);
            client.query("SELECT 1 AS one");
            List<Packet> packets = readPackets(client, 4);
            assertThat(packets).extracting(Packet::sequenceId).containsExactly(1, 2, 3, 4);
            assertThat(new String(packets.get(2).payload(), StandardCharsets.UTF_8))
                    .isEqualTo("\u00011");
            Packet end = packets.get(3);
            assertThat(end.header()).isEqualTo(0xFE);
            assertThat(end.payload()).hasSize(7); // header, affected rows, insert id, status (2), warnings (2)
        }
    }

    @Test
    @DisplayName("an unknown command gets 1047 and the connection stays usable")
    void unknownCommand() throws Exception {
        try (MySqlProtocolServer server = start();
                RawMySqlClient client = new RawMySqlClient(server.port())) {
            client.login(USER, PASSWORD, RawMySqlClient.BASIC_CAPABILITIES);
            client.command(0x09, new byte[0]); // COM_STATISTICS, which this server does not implement
            Packet error = client.read();
            assertThat(error.isErr()).isTrue();
            assertThat(error.errorCode()).isEqualTo(1047);
            assertThat(error.errorMessage()).isEqualTo("Unknown command");
            client.command(Protocol.COM_PING, new byte[0]);
            Packet pong = client.read();
            assertThat(pong.isOk()).isTrue();
            assertThat(pong.sequenceId()).isEqualTo(1);
        }
    }

    @Test
    @DisplayName("COM_INIT_DB selects the database")
    void initDb() throws Exception {
        try (MySqlProtocolServer server = start();
                RawMySqlClient client = new RawMySqlClient(server.port())) {
            client.login(USER, PASSWORD, RawMySqlClient.BASIC_CAPABILITIES | Protocol.CLIENT_DEPRECATE_EOF);
            client.command(Protocol.COM_INIT_DB, "commerce".getBytes(StandardCharsets.UTF_8));
            assertThat(client.read().isOk()).isTrue();
            client.query("SELECT DATABASE()");
            List<Packet> packets = readPackets(client, 4);
            assertThat(new String(packets.get(2).payload(), StandardCharsets.UTF_8))
                    .isEqualTo("\u0008commerce");
        }
    }

    @Test
    @DisplayName("a truncated handshake response gets ERR 1835 and closes that connection only")
    void malformedHandshake() throws Exception {
        try (MySqlProtocolServer server = start()) {
            try (RawMySqlClient client = new RawMySqlClient(server.port())) {
                client.readGreeting();
                client.write(1, new byte[] {(byte) 0x00, (byte) 0x02, 0, 0, 1}); // PROTOCOL_41, then nothing
                Packet error = client.read();
                assertThat(error.isErr()).isTrue();
                assertThat(error.errorCode()).isEqualTo(1835);
                assertThat(client.closedByServer()).isTrue();
            }
            assertServerStillServes(server);
        }
    }

    @Test
    @DisplayName("a command with a wrong sequence id gets ERR 1156 and closes that connection only")
    void outOfOrderPacket() throws Exception {
        try (MySqlProtocolServer server = start()) {
            try (RawMySqlClient client = new RawMySqlClient(server.port())) {
                client.login(USER, PASSWORD, RawMySqlClient.BASIC_CAPABILITIES);
                client.write(5, new byte[] {Protocol.COM_PING});
                Packet error = client.read();
                assertThat(error.errorCode()).isEqualTo(1156);
                assertThat(client.closedByServer()).isTrue();
            }
            assertServerStillServes(server);
        }
    }

    @Test
    @DisplayName("an empty command packet is malformed")
    void emptyCommand() throws Exception {
        try (MySqlProtocolServer server = start();
                RawMySqlClient client = new RawMySqlClient(server.port())) {
            client.login(USER, PASSWORD, RawMySqlClient.BASIC_CAPABILITIES);
            client.write(0, new byte[0]);
            assertThat(client.read().errorCode()).isEqualTo(1835);
            assertThat(client.closedByServer()).isTrue();
        }
    }

    @Test
    @DisplayName("garbage and abrupt disconnects in the middle of a packet do not hurt the server")
    void garbageAndAbruptDisconnect() throws Exception {
        try (MySqlProtocolServer server = start()) {
            try (RawMySqlClient client = new RawMySqlClient(server.port())) {
                client.readGreeting();
                client.writeRaw(RawMySqlClient.frameHeader(100, 1));
                client.writeRaw(new byte[10]); // then hang up inside the packet
            }
            try (RawMySqlClient client = new RawMySqlClient(server.port())) {
                client.login(USER, PASSWORD, RawMySqlClient.BASIC_CAPABILITIES);
                client.writeRaw("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            MySqlProtocolServerTest.awaitOpenConnections(server, 0);
            assertServerStillServes(server);
        }
    }

    @Test
    @DisplayName("an SSL request is refused with a clear error")
    void sslRequestRefused() throws Exception {
        try (MySqlProtocolServer server = start();
                RawMySqlClient client = new RawMySqlClient(server.port())) {
            client.readGreeting();
            byte[] sslRequest = new byte[32];
            int capabilities = RawMySqlClient.BASIC_CAPABILITIES | Protocol.CLIENT_SSL;
            for (int i = 0; i < 4; i++) {
                sslRequest[i] = (byte) (capabilities >>> (8 * i));
            }
            client.write(1, sslRequest);
            Packet error = client.read();
            assertThat(error.errorCode()).isEqualTo(1043);
            assertThat(error.errorMessage()).contains("SSL is not supported").contains("sslMode=DISABLED");
            assertThat(client.closedByServer()).isTrue();
        }
    }

    @Test
    @DisplayName("a packet over 16 MB is discarded with ERR 1153 and the connection stays in sync")
    void oversizedPacket() throws Exception {
        try (MySqlProtocolServer server = start();
                RawMySqlClient client = new RawMySqlClient(server.port())) {
            client.login(USER, PASSWORD, RawMySqlClient.BASIC_CAPABILITIES);
            byte[] firstFrame = new byte[PacketChannel.MAX_FRAME];
            firstFrame[0] = Protocol.COM_QUERY;
            client.write(0, firstFrame);
            client.write(1, new byte[10]);
            Packet error = client.read();
            assertThat(error.sequenceId()).isEqualTo(2);
            assertThat(error.errorCode()).isEqualTo(1153);
            client.command(Protocol.COM_PING, new byte[0]);
            assertThat(client.read().isOk()).isTrue();
        }
    }

    @Test
    @DisplayName("COM_QUIT closes the connection")
    void quit() throws Exception {
        try (MySqlProtocolServer server = start();
                RawMySqlClient client = new RawMySqlClient(server.port())) {
            client.login(USER, PASSWORD, RawMySqlClient.BASIC_CAPABILITIES);
            client.command(Protocol.COM_QUIT, new byte[0]);
            assertThat(client.closedByServer()).isTrue();
            MySqlProtocolServerTest.awaitOpenConnections(server, 0);
        }
    }

    private static List<Packet> readPackets(RawMySqlClient client, int count) throws Exception {
        List<Packet> packets = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            packets.add(client.read());
        }
        return packets;
    }
}
