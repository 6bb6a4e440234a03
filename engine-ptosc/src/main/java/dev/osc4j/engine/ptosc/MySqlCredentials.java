package dev.osc4j.engine.ptosc;

import dev.osc4j.InvalidRequestException;

/**
 * A MySQL user and password. {@link #toString()} never shows the password.
 *
 * @param user the user name
 * @param password the password (may be empty)
 */
public record MySqlCredentials(String user, String password) {

    /** Validates without ever echoing the password. */
    public MySqlCredentials {
        if (user.isBlank() || user.length() > 80 || hasControl(user)) {
            throw new InvalidRequestException(
                    "credentials user must be 1-80 characters without control characters, got '"
                            + (hasControl(user) ? "<with control characters>" : user) + "'",
                    null);
        }
        if (password.length() > 1024 || hasControl(password)) {
            // Option files are line-based: a line break would end the value and start another option.
            throw new InvalidRequestException(
                    "credentials password must be at most 1024 characters without control characters", null);
        }
    }

    private static boolean hasControl(String s) {
        return s.chars().anyMatch(Character::isISOControl);
    }

    @Override
    public String toString() {
        return "MySqlCredentials[user=" + user + ", password=****]";
    }
}
