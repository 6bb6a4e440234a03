package dev.osc4j.testkit.mysql;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Constants of the MySQL client/server protocol and the server packets built from them. */
final class Protocol {

    static final int PROTOCOL_VERSION = 10;

    // Capability flags (CLIENT_*).
    static final int CLIENT_LONG_PASSWORD = 1;
    static final int CLIENT_FOUND_ROWS = 1 << 1;
    static final int CLIENT_LONG_FLAG = 1 << 2;
    static final int CLIENT_CONNECT_WITH_DB = 1 << 3;
    static final int CLIENT_PROTOCOL_41 = 1 << 9;
    static final int CLIENT_SSL = 1 << 11;
    static final int CLIENT_TRANSACTIONS = 1 << 13;
    static final int CLIENT_SECURE_CONNECTION = 1 << 15;
    static final int CLIENT_MULTI_STATEMENTS = 1 << 16;
    static final int CLIENT_MULTI_RESULTS = 1 << 17;
    static final int CLIENT_PS_MULTI_RESULTS = 1 << 18;
    static final int CLIENT_PLUGIN_AUTH = 1 << 19;
    static final int CLIENT_CONNECT_ATTRS = 1 << 20;
    static final int CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA = 1 << 21;
    static final int CLIENT_SESSION_TRACK = 1 << 23;
    static final int CLIENT_DEPRECATE_EOF = 1 << 24;
    static final int CLIENT_ZSTD_COMPRESSION = 1 << 26;
    static final int CLIENT_QUERY_ATTRIBUTES = 1 << 27;

    /**
     * What this server offers: what VTGate's handshake offers (go/mysql/server.go, writeHandshakeV10, in
     * vitessio/vitess), including {@code CLIENT_MULTI_STATEMENTS}. Deliberately absent: SSL, compression, session
     * tracking, query attributes and optional result set metadata, each of which would change packet layouts this
     * server does not implement.
     */
    static final int SERVER_CAPABILITIES = CLIENT_LONG_PASSWORD
            | CLIENT_FOUND_ROWS
            | CLIENT_LONG_FLAG
            | CLIENT_CONNECT_WITH_DB
            | CLIENT_PROTOCOL_41
            | CLIENT_TRANSACTIONS
            | CLIENT_SECURE_CONNECTION
            | CLIENT_MULTI_STATEMENTS
            | CLIENT_MULTI_RESULTS
            | CLIENT_PS_MULTI_RESULTS
            | CLIENT_PLUGIN_AUTH
            | CLIENT_CONNECT_ATTRS
            | CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA
            | CLIENT_DEPRECATE_EOF;

    // Server status flags.
    static final int SERVER_STATUS_AUTOCOMMIT = 0x0002;
    static final int SERVER_MORE_RESULTS_EXISTS = 0x0008;

    // Commands.
    static final int COM_QUIT = 0x01;
    static final int COM_INIT_DB = 0x02;
    static final int COM_QUERY = 0x03;
    static final int COM_FIELD_LIST = 0x04;
    static final int COM_PING = 0x0e;
    static final int COM_STMT_PREPARE = 0x16;
    static final int COM_STMT_EXECUTE = 0x17;
    static final int COM_STMT_SEND_LONG_DATA = 0x18;
    static final int COM_STMT_CLOSE = 0x19;
    static final int COM_STMT_RESET = 0x1a;
    static final int COM_SET_OPTION = 0x1b;
    static final int COM_STMT_FETCH = 0x1c;
    static final int COM_RESET_CONNECTION = 0x1f;

    // COM_SET_OPTION operations.
    static final int MYSQL_OPTION_MULTI_STATEMENTS_ON = 0;
    static final int MYSQL_OPTION_MULTI_STATEMENTS_OFF = 1;

    static final String NATIVE_PASSWORD_PLUGIN = "mysql_native_password";

    // Errors the protocol layer itself sends.
    static final int ER_HANDSHAKE_ERROR = 1043;
    static final int ER_NET_PACKET_TOO_LARGE = 1153;
    static final int ER_NET_PACKETS_OUT_OF_ORDER = 1156;
    static final int ER_MALFORMED_PACKET = 1835;
    static final String SQLSTATE_CONNECTION_FAILURE = "08S01";

    private static final int OK_HEADER = 0x00;
    private static final int EOF_HEADER = 0xFE;
    private static final int ERR_HEADER = 0xFF;
    static final int AUTH_SWITCH_HEADER = 0xFE;

    private Protocol() {}

    static byte[] handshakeV10(String serverVersion, long connectionId, byte[] scramble, int statusFlags) {
        return new PayloadWriter()
                .int1(PROTOCOL_VERSION)
                .nulTerminatedString(serverVersion)
                .int4(connectionId)
                .bytes(java.util.Arrays.copyOfRange(scramble, 0, 8))
                .int1(0)
                .int2(SERVER_CAPABILITIES & 0xFFFF)
                .int1(ColumnType.UTF8MB4_COLLATION)
                .int2(statusFlags)
                .int2(SERVER_CAPABILITIES >>> 16)
                .int1(scramble.length + 1)
                .zeros(10)
                .bytes(java.util.Arrays.copyOfRange(scramble, 8, scramble.length))
                .int1(0)
                .nulTerminatedString(NATIVE_PASSWORD_PLUGIN)
                .toByteArray();
    }

    static byte[] authSwitchRequest(String plugin, byte[] scramble) {
        return new PayloadWriter()
                .int1(AUTH_SWITCH_HEADER)
                .nulTerminatedString(plugin)
                .bytes(scramble)
                .int1(0)
                .toByteArray();
    }

    static byte[] ok(long affectedRows, long lastInsertId, int statusFlags, int warnings, String info) {
        PayloadWriter writer = new PayloadWriter()
                .int1(OK_HEADER)
                .lengthEncodedInt(affectedRows)
                .lengthEncodedInt(lastInsertId)
                .int2(statusFlags)
                .int2(warnings);
        return writer.restOfPacketString(info).toByteArray();
    }

    /**
     * The end of a result set or of a COM_SET_OPTION: an OK packet with the EOF header when the client set
     * CLIENT_DEPRECATE_EOF, otherwise a classic EOF packet.
     */
    static byte[] endOfData(boolean deprecateEof, int statusFlags, int warnings) {
        if (deprecateEof) {
            return new PayloadWriter()
                    .int1(EOF_HEADER)
                    .lengthEncodedInt(0)
                    .lengthEncodedInt(0)
                    .int2(statusFlags)
                    .int2(warnings)
                    .toByteArray();
        }
        return eof(statusFlags, warnings);
    }

    static byte[] eof(int statusFlags, int warnings) {
        return new PayloadWriter()
                .int1(EOF_HEADER)
                .int2(warnings)
                .int2(statusFlags)
                .toByteArray();
    }

    static byte[] err(int code, String sqlState, String message) {
        return new PayloadWriter()
                .int1(ERR_HEADER)
                .int2(code)
                .int1('#')
                .restOfPacketString(sqlState)
                .restOfPacketString(message)
                .toByteArray();
    }

    static byte[] err(MySqlError error) {
        return err(error.errorCode(), error.sqlState(), error.getMessage());
    }

    /** The packets of a text result set except the terminating one: column count, then one definition per column. */
    static List<byte[]> resultSetHeader(QueryResult.Rows rows) {
        List<byte[]> packets = new ArrayList<>();
        List<Column> columns = rows.columns();
        packets.add(new PayloadWriter().lengthEncodedInt(columns.size()).toByteArray());
        for (int c = 0; c < columns.size(); c++) {
            Column column = columns.get(c);
            List<@Nullable Object> values = new ArrayList<>(rows.rows().size());
            for (List<@Nullable Object> row : rows.rows()) {
                values.add(row.get(c));
            }
            packets.add(columnDefinition(column, column.type().decimals(values)));
        }
        return packets;
    }

    /**
     * COM_STMT_PREPARE_OK (page_protocol_com_stmt_prepare.html) without the definitions that follow it: no columns
     * (they come with each execution's result set) and {@code parameters} parameters.
     */
    static byte[] prepareOk(long statementId, int parameters) {
        return new PayloadWriter()
                .int1(OK_HEADER)
                .int4(statementId)
                .int2(0) // num_columns
                .int2(parameters)
                .int1(0) // reserved
                .int2(0) // warning_count
                .toByteArray();
    }

    /** The definition of one placeholder in a COM_STMT_PREPARE response: named {@code ?}, as VTGate and MySQL do. */
    static byte[] parameterDefinition() {
        return columnDefinition(Column.of("?", ColumnType.VAR_STRING), 0);
    }

    /**
     * The column definitions of a result set, without the column count: the body of a COM_FIELD_LIST response
     * (page_protocol_com_field_list.html).
     */
    static List<byte[]> columnDefinitions(QueryResult.Rows rows) {
        List<byte[]> header = resultSetHeader(rows);
        return header.subList(1, header.size());
    }

    private static byte[] columnDefinition(Column column, int decimals) {
        ColumnType type = column.type();
        return new PayloadWriter()
                .lengthEncodedString("def")
                .lengthEncodedString("") // schema
                .lengthEncodedString("") // table
                .lengthEncodedString("") // org_table
                .lengthEncodedString(column.name())
                .lengthEncodedString(column.name()) // org_name
                .lengthEncodedInt(0x0c) // length of the fixed-length fields that follow
                .int2(type.collation())
                .int4(type.columnLength())
                .int1(type.protocolCode())
                .int2(type.flags())
                .int1(decimals)
                .zeros(2)
                .toByteArray();
    }

    /**
     * A row of a binary result set (page_protocol_binary_resultset.html): a 0x00 header, the NULL bitmap with its
     * offset of 2, then the non-NULL values as Binary Protocol Values.
     *
     * @throws IllegalArgumentException if a value cannot be sent as its column's type
     */
    static byte[] binaryRow(List<Column> columns, List<@Nullable Object> row) {
        byte[] nullBitmap = new byte[(columns.size() + 7 + 2) / 8];
        PayloadWriter values = new PayloadWriter();
        for (int c = 0; c < row.size(); c++) {
            Object value = row.get(c);
            if (value == null) {
                nullBitmap[(c + 2) / 8] |= (byte) (1 << ((c + 2) % 8));
            } else {
                columns.get(c).type().writeBinary(value, values);
            }
        }
        return new PayloadWriter()
                .int1(OK_HEADER)
                .bytes(nullBitmap)
                .bytes(values.toByteArray())
                .toByteArray();
    }

    static byte[] textRow(List<Column> columns, List<@Nullable Object> row) {
        PayloadWriter writer = new PayloadWriter();
        for (int c = 0; c < row.size(); c++) {
            Object value = row.get(c);
            if (value == null) {
                writer.int1(0xFB);
            } else {
                writer.lengthEncodedBytes(columns.get(c).type().encode(value));
            }
        }
        return writer.toByteArray();
    }
}
