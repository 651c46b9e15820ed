"""Watches: one-shot data and child watches fire once, exists watches
deliver NodeCreated, and kazoo's DataWatch / ChildrenWatch recipes follow
every change (they re-arm after each event)."""

from kazoo.protocol.states import EventType

from common import Collector, client, fresh_root

zk = client()
writer = client()
root = fresh_root(zk, "watches")

# exists on a missing node, then created by another client.
created = Collector()
assert zk.exists(root + "/w", watch=created) is None
writer.create(root + "/w", b"v1")
ev = created.wait_for(1, "NodeCreated")[0]
assert ev.type == EventType.CREATED and ev.path == root + "/w", ev

# A one-shot data watch fires once, for the first change only.
changed = Collector()
zk.get(root + "/w", watch=changed)
writer.set(root + "/w", b"v2")
writer.set(root + "/w", b"v3")
ev = changed.wait_for(1, "NodeDataChanged")[0]
assert ev.type == EventType.CHANGED, ev

# A child watch: NodeChildrenChanged on the parent.
kids = Collector()
zk.get_children(root, watch=kids)
writer.create(root + "/k")
ev = kids.wait_for(1, "NodeChildrenChanged")[0]
assert ev.type == EventType.CHILD and ev.path == root, ev

# The recipes see every value and every child list, in order.
values = Collector()
zk.DataWatch(root + "/w", lambda data, stat: values(data))
values.wait_for(1, "DataWatch's first call")
writer.set(root + "/w", b"v4")
writer.set(root + "/w", b"v5")
seen = values.wait_until(lambda v: v[-1] == b"v5", "DataWatch to see v5")
assert seen[0] == b"v3", seen
assert changed.items == [changed.items[0]], "a one-shot watch fires once"

lists = Collector()
zk.ChildrenWatch(root, lambda children: lists(sorted(children)))
lists.wait_for(1, "ChildrenWatch's first call")
writer.create(root + "/k2")
lists.wait_until(lambda v: v[-1] == ["k", "k2", "w"], "ChildrenWatch after a create")

# Deleting a watched node: NodeDeleted.
deleted = Collector()
zk.exists(root + "/k", watch=deleted)
writer.delete(root + "/k")
ev = deleted.wait_for(1, "NodeDeleted")[0]
assert ev.type == EventType.DELETED, ev

writer.stop()
zk.stop()
print("watches ok")
