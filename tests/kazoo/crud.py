"""CRUD and its errors: create/get/set/delete with versions, null vs empty
data, children and stats, and every error kazoo maps from ZooKeeper's
codes."""

from kazoo.exceptions import (
    BadVersionError,
    NoChildrenForEphemeralsError,
    NoNodeError,
    NodeExistsError,
    NotEmptyError,
)

from common import client, expect, fresh_root

zk = client()
root = fresh_root(zk, "crud")

assert zk.create(root + "/a", b"one") == root + "/a"
data, stat = zk.get(root + "/a")
assert data == b"one" and stat.version == 0 and stat.dataLength == 3, (data, stat)
assert stat.czxid == stat.mzxid == stat.pzxid
stat = zk.set(root + "/a", b"two", version=0)
assert stat.version == 1
expect(BadVersionError, zk.set, root + "/a", b"x", version=0)
expect(NodeExistsError, zk.create, root + "/a")
expect(NoNodeError, zk.get, root + "/missing")
expect(NoNodeError, zk.create, root + "/no/parent")
expect(NoNodeError, zk.delete, root + "/missing")
assert zk.exists(root + "/missing") is None

# create2 (include_data) answers the Stat; null data stays distinct from empty.
path, stat = zk.create(root + "/b", None, include_data=True)
assert path == root + "/b" and stat.dataLength == 0
assert zk.get(root + "/b")[0] in (None, b"")
zk.create(root + "/e", b"")
assert zk.get(root + "/e")[0] == b""

zk.create(root + "/a/c1")
zk.create(root + "/a/c2")
assert sorted(zk.get_children(root + "/a")) == ["c1", "c2"]
children, stat = zk.get_children(root + "/a", include_data=True)
assert stat.numChildren == 2 and stat.cversion == 2, stat
expect(NotEmptyError, zk.delete, root + "/a")
expect(BadVersionError, zk.delete, root + "/a/c1", version=5)
zk.delete(root + "/a/c1", version=0)
zk.delete(root + "/a", recursive=True)
assert zk.exists(root + "/a") is None

zk.create(root + "/eph", ephemeral=True)
expect(NoChildrenForEphemeralsError, zk.create, root + "/eph/child")

# makepath creates the missing parents; ensure_path is idempotent.
zk.create(root + "/deep/er/node", b"d", makepath=True)
zk.ensure_path(root + "/deep/er")
assert zk.get(root + "/deep/er/node")[0] == b"d"

# ACLs: the default is world:anyone with every permission.
acls, stat = zk.get_acls(root + "/deep")
assert len(acls) == 1 and acls[0].perms == 31 and acls[0].id.scheme == "world", acls
zk.set_acls(root + "/deep", acls, version=0)
assert zk.get_acls(root + "/deep")[1].aversion == 1
expect(BadVersionError, zk.set_acls, root + "/deep", acls, version=0)

zk.sync(root)
zk.stop()
zk.close()
print("crud ok")
