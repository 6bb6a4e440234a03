package dev.osc4j.testkit.mysql;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The client's HandshakeResponse41: capabilities, user, auth response, optional database, auth plugin and connection
 * attributes.
 */
final class HandshakeResponse {

    /** The fixed part every HandshakeResponse41 and SSLRequest start with: capabilities, max packet, charset, filler. */
    static final int FIXED_PART = 32;

    /** The capabilities of a handshake response or SSL request, before parsing the rest. */
    static int capabilities(byte[] payload) throws MalformedPacketException {
        return (int) new PayloadReader(payload).int4();
    }

    final int capabilities;
    final String user;
    final byte[] authResponse;
    final @Nullable String database;
    final String authPlugin;
    final Map<String, String> attributes;

    private HandshakeResponse(
            int capabilities,
            String user,
            byte[] authResponse,
            @Nullable String database,
            String authPlugin,
            Map<String, String> attributes) {
        this.capabilities = capabilities;
        this.user = user;
        this.authResponse = authResponse;
        this.database = database;
        this.authPlugin = authPlugin;
        this.attributes = attributes;
    }

    static HandshakeResponse parse(byte[] payload) throws MalformedPacketException {
        PayloadReader reader = new PayloadReader(payload);
        int capabilities = (int) reader.int4();
        if ((capabilities & Protocol.CLIENT_PROTOCOL_41) == 0) {
            throw new MalformedPacketException("the client does not speak protocol 4.1");
        }
        reader.skip(4 + 1 + 23); // max packet size, character set, filler
        String user = reader.nulTerminatedString();
        byte[] authResponse;
        if ((capabilities & Protocol.CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA) != 0) {
            authResponse = reader.lengthEncodedBytes();
        } else if ((capabilities & Protocol.CLIENT_SECURE_CONNECTION) != 0) {
            authResponse = reader.bytes(reader.int1());
        } else {
            authResponse = reader.nulTerminatedString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        String database = null;
        if ((capabilities & Protocol.CLIENT_CONNECT_WITH_DB) != 0 && reader.hasMore()) {
            database = reader.nulTerminatedString();
            if (database.isEmpty()) {
                database = null;
            }
        }
        String plugin = Protocol.NATIVE_PASSWORD_PLUGIN;
        if ((capabilities & Protocol.CLIENT_PLUGIN_AUTH) != 0 && reader.hasMore()) {
            plugin = reader.nulTerminatedString();
        }
        Map<String, String> attributes = new LinkedHashMap<>();
        if ((capabilities & Protocol.CLIENT_CONNECT_ATTRS) != 0 && reader.hasMore()) {
            PayloadReader attributeReader = new PayloadReader(reader.lengthEncodedBytes());
            while (attributeReader.hasMore()) {
                attributes.put(attributeReader.lengthEncodedString(), attributeReader.lengthEncodedString());
            }
        }
        return new HandshakeResponse(
                capabilities, user, authResponse, database, plugin, Collections.unmodifiableMap(attributes));
    }
}
