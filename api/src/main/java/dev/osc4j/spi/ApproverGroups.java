package dev.osc4j.spi;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import org.apiguardian.api.API;

/**
 * Who belongs to which approver group, as the organisation keeps it (LDAP, GitHub teams, an identity provider): a
 * policy's {@link dev.osc4j.MigrationPolicy#approverGroups()} then counts an approval only from a member of one of its
 * groups. Registered with {@link dev.osc4j.MigrationOrchestrator.Builder#approverGroups}; asked by the controller from
 * its loop each time an approval gate is evaluated, so cache your lookups and answer quickly. An exception counts as
 * "not a member" (the approval does not count until the directory answers).
 */
@API(status = EXPERIMENTAL, since = "0.3")
@FunctionalInterface
public interface ApproverGroups {

    /** Whether {@code person} (an approval's actor) belongs to {@code group}. */
    boolean isMember(String person, String group);
}
