package dev.osc4j.testkit.servers.internal;

import java.util.regex.Pattern;

/** The database names the launchers accept in URLs and {@code CREATE DATABASE}: no quoting needed, none possible. */
public final class Identifiers {

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z0-9_$]{1,64}");

    private Identifiers() {}

    /**
     * Checks that {@code value} is 1 to 64 letters, digits, {@code _} or {@code $}.
     *
     * @param parameter the parameter name, for the message
     * @param value the name to check
     * @throws IllegalArgumentException if it is not
     */
    public static void require(String parameter, String value) {
        if (!IDENTIFIER.matcher(value).matches()) {
            throw new IllegalArgumentException(
                    parameter + " must be 1 to 64 letters, digits, '_' or '$' but was '" + value + "'");
        }
    }
}
