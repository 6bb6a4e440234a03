package dev.osc4j.engine.ghost;

import dev.osc4j.InvalidRequestException;

/**
 * The MySQL account gh-ost connects with. The engine writes it to a private {@code --conf} file (mode 0600) in the
 * run's directory, never to a command line; {@link #toString()} hides the password.
 *
 * @param user the MySQL user, 1-80 characters without control characters
 * @param password the password, without control characters (it may be empty)
 */
public record GhostCredentials(String user, String password) {

    /** Validates, without ever repeating the password in a message. */
    public GhostCredentials {
        if (user.isEmpty() || user.length() > 80 || hasControlCharacter(user)) {
            throw new InvalidRequestException(
                    "credentials user must be 1-80 characters without control characters, got '"
                            + (hasControlCharacter(user) ? "<with control characters>" : user) + "'",
                    null);
        }
        if (hasControlCharacter(password)) {
            throw new InvalidRequestException(
                    "credentials password for user '" + user + "' contains a control character", null);
        }
    }

    private static boolean hasControlCharacter(String s) {
        return s.chars().anyMatch(Character::isISOControl);
    }

    @Override
    public String toString() {
        return "GhostCredentials[user=" + user + ", password=****]";
    }
}
