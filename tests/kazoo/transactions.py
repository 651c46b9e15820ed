"""Transactions (multi): all or nothing, with ZooKeeper's per-op results
(RolledBackError before the failing op, its own error, then
RuntimeInconsistency after it)."""

from kazoo.exceptions import BadVersionError, NoNodeError, RolledBackError, RuntimeInconsistency

from common import client, fresh_root

zk = client()
root = fresh_root(zk, "txn")
zk.create(root + "/a", b"0")

t = zk.transaction()
t.create(root + "/b", b"b")
t.check(root + "/a", 0)
t.set_data(root + "/a", b"1")
t.create(root + "/seq-", b"", sequence=True)
results = t.commit()
assert results[0] == root + "/b", results
assert results[1] is True, results
assert results[2].version == 1, results
assert results[3] == root + "/seq-0000000002", results

t = zk.transaction()
t.create(root + "/c", b"")
t.check(root + "/a", 0)
t.delete(root + "/b")
results = t.commit()
assert isinstance(results[0], RolledBackError), results
assert isinstance(results[1], BadVersionError), results
assert isinstance(results[2], RuntimeInconsistency), results
assert zk.exists(root + "/c") is None and zk.exists(root + "/b") is not None

t = zk.transaction()
t.delete(root + "/missing")
results = t.commit()
assert isinstance(results[0], NoNodeError), results

t = zk.transaction()
t.delete(root + "/b")
t.delete(root + "/a", version=1)
assert t.commit() == [True, True]
assert zk.get_children(root) == ["seq-0000000002"]
zk.stop()
print("transactions ok")
