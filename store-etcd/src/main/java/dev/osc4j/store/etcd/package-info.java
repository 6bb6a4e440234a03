/**
 * A {@link dev.osc4j.spi.StateStore} on etcd v3, through jetcd: {@link dev.osc4j.store.etcd.EtcdStateStore}. One key
 * per migration under a prefix, compare-and-set and create-if-absent as etcd transactions on the key's revisions, the
 * audit entries written in the same transaction, and ownership through one etcd lease per controller whose owner keys'
 * create revisions are the fencing tokens, checked inside every fenced write.
 */
@NullMarked
package dev.osc4j.store.etcd;

import org.jspecify.annotations.NullMarked;
