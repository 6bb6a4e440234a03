package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import org.apiguardian.api.API;

/** A compare-and-set lost: the record's version is no longer the one the writer read. Re-read and decide again. */
@API(status = MAINTAINED, since = "0.1")
public class VersionConflictException extends Osc4jException {
    private static final long serialVersionUID = 1L;

    private final long expectedVersion;
    private final long currentVersion;

    /** Creates the exception; {@code currentVersion} is -1 when the record no longer exists. */
    public VersionConflictException(MigrationId migrationId, long expectedVersion, long currentVersion) {
        super(
                ErrorCode.VERSION_CONFLICT,
                "migration " + migrationId.value() + " changed: expected version " + expectedVersion + ", current "
                        + currentVersion,
                migrationId,
                null,
                null);
        this.expectedVersion = expectedVersion;
        this.currentVersion = currentVersion;
    }

    /** The version the writer expected. */
    public long expectedVersion() {
        return expectedVersion;
    }

    /** The version in the store when the write was refused, or -1 if there is no record. */
    public long currentVersion() {
        return currentVersion;
    }
}
