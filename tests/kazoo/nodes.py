"""Sequential and ephemeral nodes: ZooKeeper's ten-digit suffixes from the
parent's counter, and ephemerals that go with their session (seen from
another client on another server)."""

import threading

from kazoo.protocol.states import EventType

from common import client, fresh_root, wait

zk = client()
other = client()
root = fresh_root(zk, "nodes")

first = zk.create(root + "/seq-", b"", sequence=True)
second = zk.create(root + "/seq-", b"", sequence=True)
assert first == root + "/seq-0000000000", first
assert second == root + "/seq-0000000001", second
zk.delete(first)
third = zk.create(root + "/seq-", b"", sequence=True)
# Deletes do not advance the sequence: it counts creates.
assert third == root + "/seq-0000000002", third

eph = zk.create(root + "/eph", b"mine", ephemeral=True)
eseq = zk.create(root + "/eseq-", b"", ephemeral=True, sequence=True)
assert eseq.startswith(root + "/eseq-") and len(eseq) == len(root + "/eseq-") + 10
stat = zk.exists(eph)
assert stat.ephemeralOwner == zk.client_id[0], (stat, zk.client_id)

# Another client sees them, and sees them go when the session closes.
other.sync(root)
assert other.exists(eph) is not None
gone = threading.Event()


def on_change(event):
    if event.type == EventType.DELETED:
        gone.set()


assert other.exists(eph, watch=on_change) is not None
zk.stop()
zk.close()
wait(gone, "the ephemeral's NodeDeleted after its session closed")
other.sync(root)
assert other.exists(eph) is None and other.exists(eseq) is None
assert sorted(other.get_children(root)) == ["seq-0000000001", "seq-0000000002"]
other.stop()
other.close()
print("nodes ok")
