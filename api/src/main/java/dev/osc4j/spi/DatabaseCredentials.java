package dev.osc4j.spi;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import dev.osc4j.InvalidRequestException;
import org.apiguardian.api.API;

/**
 * A MySQL or MariaDB account: the user and password osc4j, or a tool it runs, connects with. {@link #toString()} never
 * shows the password, and no validation message repeats it.
 *
 * <p>Control characters are refused in both parts: the tools read the account from line-based option files
 * ({@code [client]} files for pt-online-schema-change, gh-ost's {@code --conf}), where a line break would end the
 * value and start another option.
 *
 * @param user the user name: 1-{@value #MAX_USER_LENGTH} characters, not blank, without control characters
 * @param password the password (may be empty): at most {@value #MAX_PASSWORD_LENGTH} characters, without control
 *     characters
 */
@API(status = EXPERIMENTAL, since = "0.1")
public record DatabaseCredentials(String user, String password) {
    /** The longest user name accepted (MariaDB allows 80 characters, MySQL 32). */
    public static final int MAX_USER_LENGTH = 80;
    /** The longest password accepted. */
    public static final int MAX_PASSWORD_LENGTH = 1024;

    /**
     * Validates, without ever echoing the password.
     *
     * @throws InvalidRequestException naming the wrong part
     */
    public DatabaseCredentials {
        if (user.isBlank() || user.length() > MAX_USER_LENGTH || hasControl(user)) {
            throw new InvalidRequestException(
                    "credentials user must be 1-" + MAX_USER_LENGTH
                            + " characters, not blank, without control characters, got '"
                            + (hasControl(user) ? "<with control characters>" : user) + "'",
                    null);
        }
        if (password.length() > MAX_PASSWORD_LENGTH || hasControl(password)) {
            throw new InvalidRequestException(
                    "credentials password for user '" + user + "' must be at most " + MAX_PASSWORD_LENGTH
                            + " characters without control characters",
                    null);
        }
    }

    private static boolean hasControl(String s) {
        return s.chars().anyMatch(Character::isISOControl);
    }

    /** The user, with the password masked. */
    @Override
    public String toString() {
        return "DatabaseCredentials[user=" + user + ", password=****]";
    }
}
