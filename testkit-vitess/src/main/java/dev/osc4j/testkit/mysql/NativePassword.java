package dev.osc4j.testkit.mysql;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;

/**
 * The {@code mysql_native_password} challenge-response: the client proves it knows the password by sending {@code
 * SHA1(password) XOR SHA1(scramble + SHA1(SHA1(password)))}; an empty password is an empty response.
 */
final class NativePassword {

    static final int SCRAMBLE_LENGTH = 20;

    private static final SecureRandom RANDOM = new SecureRandom();

    private NativePassword() {}

    /** 20 random bytes, none of them NUL (the handshake sends part of it as a NUL-terminated field). */
    static byte[] newScramble() {
        byte[] scramble = new byte[SCRAMBLE_LENGTH];
        for (int i = 0; i < scramble.length; i++) {
            scramble[i] = (byte) (1 + RANDOM.nextInt(127));
        }
        return scramble;
    }

    /** The response a client holding {@code password} sends for {@code scramble}. */
    static byte[] response(String password, byte[] scramble) {
        if (password.isEmpty()) {
            return new byte[0];
        }
        byte[] stage1 = sha1(password.getBytes(StandardCharsets.UTF_8));
        byte[] stage2 = sha1(stage1);
        byte[] mask = sha1(scramble, stage2);
        byte[] response = new byte[stage1.length];
        for (int i = 0; i < response.length; i++) {
            response[i] = (byte) (stage1[i] ^ mask[i]);
        }
        return response;
    }

    /** Whether {@code response} proves knowledge of {@code password}; compared in constant time. */
    static boolean matches(String password, byte[] scramble, byte[] response) {
        return MessageDigest.isEqual(response(password, scramble), response);
    }

    private static byte[] sha1(byte[]... parts) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-1");
            for (byte[] part : parts) {
                digest.update(part);
            }
            return digest.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime provides SHA-1", e);
        }
    }
}
