"""Differential test: one seeded, randomized sequence of ZooKeeper requests
applied to a reference server (Apache ZooKeeper 3.8) and to a subject
(zoolab), each under a fresh root; every step's outcome (result or error
class), data, children, stats and the watch events it fired are recorded,
normalized (see normalize_stat and DIFFERENCES.md) and compared.

usage: difftest.py --reference HOSTS --subject HOSTS --seeds 1,2,3 [--steps N] [--ttl]
Exit status 0 when every seed matches, 1 with the first differences otherwise.
"""

import argparse
import json
import random
import sys
import threading
import uuid
from collections import namedtuple

from kazoo.client import KazooClient
from kazoo.exceptions import KazooException, ZookeeperError
from kazoo.protocol.serialization import Create2, Watch, int_struct, long_struct, write_string
from kazoo.protocol.states import Callback
from kazoo.security import OPEN_ACL_UNSAFE

PATIENCE = 30.0
# Large enough that no TTL node expires during a run: expiry timing is not
# compared (DIFFERENCES.md, "Clean-up timing").
TTL_MS = 3_600_000


class CreateContainer(namedtuple("CreateContainer", "path data acl flags")):
    """createContainer (opcode 19): kazoo 2.11 has no call for it."""

    type = 19
    serialize = Create2.serialize
    deserialize = Create2.deserialize


class CreateTTL(namedtuple("CreateTTL", "path data acl flags ttl")):
    """createTTL (opcode 21): Create2's fields and the TTL."""

    type = 21

    def serialize(self):
        b = Create2(*self[:4]).serialize()
        return b + long_struct.pack(self.ttl)

    deserialize = Create2.deserialize


class AddWatch(namedtuple("AddWatch", "path mode")):
    """addWatch (opcode 106): persistent (0) and persistent recursive (1)
    watches; kazoo 2.11 has no call for it."""

    type = 106

    def serialize(self):
        return write_string(self.path) + int_struct.pack(self.mode)

    @classmethod
    def deserialize(cls, bytes, offset):
        return True


# ZooKeeper's CreateMode flags.
MODES = {
    "persistent": 0,
    "ephemeral": 1,
    "persistent_sequential": 2,
    "ephemeral_sequential": 3,
    "container": 4,
    "ttl": 5,
    "ttl_sequential": 6,
}
assert int_struct.size == 4


class Run:
    """One server's run of one seed: a client, its events and the zxid base."""

    def __init__(self, hosts, root, layout="counter"):
        self.zk = KazooClient(hosts=hosts, timeout=10.0)
        self.root = root
        self.events = []
        # Every notification as it comes off the socket, in order (kazoo
        # hands it on to the watchers it knows of; persistent watches it
        # does not know of at all).
        self.notifications = []
        self._spy_notifications()
        self.zk.start(timeout=PATIENCE)
        self.lock = threading.Lock()
        self.base = None
        self.layout = layout
        # zxids consumed by sync requests (zoolab's sync commits a no-op;
        # ZooKeeper's takes none): left out of the numbering. DIFFERENCES.md
        # "sync takes a zxid".
        self.sync_zxids = []

    def _spy_notifications(self):
        conn = self.zk._connection
        read = conn._read_watch_event

        def spy(buffer, offset):
            watch, _ = Watch.deserialize(buffer, offset)
            with self.lock:
                self.notifications.append([watch.type, self.rel(watch.path)])
            return read(buffer, offset)

        conn._read_watch_event = spy

    def stop(self):
        self.zk.stop()
        self.zk.close()

    def watcher(self, kind):
        def fire(event):
            with self.lock:
                self.events.append([kind, event.type, self.rel(event.path)])

        return fire

    def drain(self):
        """Waits until every watch callback already queued has run: a marker
        queued behind them on kazoo's callback thread. ZooKeeper sends a
        watch event before the reply of the request that fired it, so the
        events of a step are queued by the time its reply arrives."""
        done = threading.Event()
        self.zk.handler.dispatch_callback(Callback("watch", done.set, ()))
        if not done.wait(PATIENCE):
            raise AssertionError("kazoo's callback thread is stuck")
        with self.lock:
            out, self.events = self.events, []
            raw, self.notifications = self.notifications, []
        return {"callbacks": group_events(out), "notifications": raw}

    def rel(self, path):
        if path is None:
            return None
        return "~" + path[len(self.root):] if path.startswith(self.root) else path

    def counter(self, z):
        """A zxid as a count of commits. "counter": ZooKeeper's and Zab's
        epoch << 32 | counter (and Multi-Paxos's), within one epoch.
        "slot": zoolab's basic Paxos commits the i-th command of slot s at
        s << 32 | i; one client's sequential requests fill one slot each,
        so the slot counts commits (DIFFERENCES.md, "basic Paxos zxids");
        any other low half is kept visible as a difference."""
        if self.layout == "slot":
            if z & 0xFFFFFFFF != 1:
                return "slot %d index %d" % (z >> 32, z & 0xFFFFFFFF)
            return z >> 32
        return z

    def zxid(self, z):
        # Relative to the run root's czxid: both servers give every write
        # (and every failed write) its own zxid, so gaps must match too.
        z = self.counter(z)
        if isinstance(z, str):
            return z
        return z - self.base - sum(1 for s in self.sync_zxids if s <= z)

    def normalize_stat(self, st):
        if st is None:
            return None
        owner = st.ephemeralOwner
        if owner == self.zk.client_id[0]:
            owner = "own session"
        elif owner != 0:
            owner = "%#x" % (owner & 0xFFFFFFFFFFFFFFFF)  # container / TTL markers
        return {
            "czxid": self.zxid(st.czxid),
            "mzxid": self.zxid(st.mzxid),
            "pzxid": self.zxid(st.pzxid),
            # ctime / mtime: wall clocks, dropped.
            "version": st.version,
            "cversion": st.cversion,
            "aversion": st.aversion,
            "ephemeralOwner": owner,
            "dataLength": st.dataLength,
            "numChildren": st.numChildren,
        }

    def norm(self, value):
        """A result made comparable: paths relative, stats normalized,
        exceptions by class, bytes as hex."""
        if isinstance(value, BaseException):
            return {"error": type(value).__name__}
        if isinstance(value, bytes):
            return value.hex()
        if isinstance(value, str):
            return self.rel(value)
        if hasattr(value, "czxid") and hasattr(value, "numChildren"):
            return self.normalize_stat(value)
        if isinstance(value, dict):
            return {k: self.norm(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.norm(v) for v in value]
        return value

    def call(self, request):
        result = self.zk.handler.async_result()
        self.zk._call(request, result)
        return result.get(timeout=PATIENCE)


def group_events(events):
    """One notification reaches every kazoo watcher of its path in the
    order of a Python set (client-side, arbitrary): consecutive events of
    the same type and path keep their order as a group, and the watchers
    (kinds) within a group are sorted."""
    out = []
    for kind, etype, path in events:
        if out and out[-1][0] == etype and out[-1][1] == path:
            out[-1][2].append(kind)
            out[-1][2].sort()
        else:
            out.append([etype, path, [kind]])
    return out


def generate(seed, steps, ttl):
    """The request sequence of a seed: plain data, so both servers get the
    same one. Paths are relative to the run root ('' is the root)."""
    rng = random.Random(seed)
    tops = ["/a", "/b", "/c"]
    leaves = ["/a/x", "/a/y", "/b/x", "/c/x"]
    seq_parents = ["", "/a"]
    # Path -> addWatch mode (0 persistent, 1 persistent recursive).
    persistent_paths = {"": 1, "/c": 0, "/a/missing": 1}
    modes = ["persistent", "ephemeral", "persistent_sequential", "ephemeral_sequential"]
    if ttl:
        modes += ["ttl", "ttl_sequential"]

    def data():
        return bytes(rng.randrange(256) for _ in range(rng.randrange(6))).hex()

    def version():
        return rng.choice([-1, 0, 0, 1, 1, 2, 5])

    def any_path():
        return rng.choice(tops + leaves + ["", "/missing", "/a/missing"])

    def create_op():
        mode = rng.choice(modes + ["container"])
        if mode == "container":
            # Containers only where no child is ever created, so their
            # clean-up (timing differs by design) never applies.
            return {"op": "create", "path": rng.choice(leaves), "mode": mode, "data": data()}
        if mode.endswith("sequential"):
            path = rng.choice(seq_parents) + "/s-"
        else:
            path = rng.choice(tops + leaves + ["/missing/x"])
        step = {"op": "create", "path": path, "mode": mode, "data": data()}
        if mode.startswith("ttl"):
            # Sometimes out of range: BadArguments.
            step["ttl"] = rng.choice([TTL_MS] * 6 + [0, -1])
        return step

    def txn_op():
        kind = rng.choice(["create", "delete", "set", "check"])
        if kind == "create":
            seq = rng.random() < 0.25
            path = rng.choice(seq_parents) + "/s-" if seq else rng.choice(tops + leaves + ["/missing/x"])
            return {
                "op": "create",
                "path": path,
                "ephemeral": rng.random() < 0.3,
                "sequence": seq,
                "data": data(),
            }
        if kind == "delete":
            return {"op": "delete", "path": any_path(), "version": version()}
        if kind == "set":
            return {"op": "set", "path": any_path(), "data": data(), "version": version()}
        return {"op": "check", "path": any_path(), "version": version()}

    out = []
    for _ in range(steps):
        r = rng.random()
        if r < 0.25:
            out.append(create_op())
        elif r < 0.40:
            out.append({"op": "set", "path": any_path(), "data": data(), "version": version()})
        elif r < 0.52:
            out.append({"op": "delete", "path": any_path(), "version": version()})
        elif r < 0.67:
            kind = rng.choice(["get", "exists", "children"])
            path = any_path()
            # No one-shot watch where a persistent one may be: ZooKeeper
            # 3.8 keeps one mode per path (DIFFERENCES.md).
            watch = rng.random() < 0.5 and path not in persistent_paths
            out.append({"op": kind, "path": path, "watch": watch})
        elif r < 0.85:
            out.append({"op": "multi", "ops": [txn_op() for _ in range(rng.randrange(1, 4))]})
        elif r < 0.88:
            out.append({"op": "sync", "path": any_path()})
        elif r < 0.91:
            # One mode per path, for the same reason.
            path = rng.choice(list(persistent_paths))
            out.append({"op": "add_watch", "path": path, "mode": persistent_paths[path]})
        elif r < 0.93:
            # Closes the session (its ephemerals go, its watches fire or
            # vanish) and opens a new one.
            out.append({"op": "new_session"})
        else:
            out.append({"op": "snapshot"})
    out.append({"op": "snapshot"})
    return out


def apply_step(run, step):
    zk = run.zk
    op = step["op"]
    path = run.root + step.get("path", "")
    if op == "create":
        value = bytes.fromhex(step["data"])
        mode = step["mode"]
        flags = MODES[mode]
        if mode == "container":
            return run.call(CreateContainer(path, value, OPEN_ACL_UNSAFE, flags))
        if mode.startswith("ttl"):
            return run.call(CreateTTL(path, value, OPEN_ACL_UNSAFE, flags, step["ttl"]))
        return zk.create(
            path,
            value,
            ephemeral=mode.startswith("ephemeral"),
            sequence=mode.endswith("sequential"),
            include_data=True,
        )
    if op == "set":
        return zk.set(path, bytes.fromhex(step["data"]), version=step["version"])
    if op == "delete":
        return zk.delete(path, version=step["version"])
    if op in ("get", "exists", "children"):
        kind = "data" if op != "children" else "child"
        watch = run.watcher(kind + ":" + op) if step["watch"] else None
        if op == "get":
            return zk.get(path, watch=watch)
        if op == "exists":
            return zk.exists(path, watch=watch)
        children, stat = zk.get_children(path, watch=watch, include_data=True)
        return [sorted(children), stat]
    if op == "multi":
        t = zk.transaction()
        for sub in step["ops"]:
            p = run.root + sub["path"]
            if sub["op"] == "create":
                t.create(
                    p,
                    bytes.fromhex(sub["data"]),
                    ephemeral=sub["ephemeral"],
                    sequence=sub["sequence"],
                )
            elif sub["op"] == "delete":
                t.delete(p, version=sub["version"])
            elif sub["op"] == "set":
                t.set_data(p, bytes.fromhex(sub["data"]), version=sub["version"])
            else:
                t.check(p, sub["version"])
        return t.commit()
    if op == "sync":
        return zk.sync(path)
    if op == "add_watch":
        return run.call(AddWatch(path, step["mode"]))
    if op == "snapshot":
        return snapshot(run, run.root)
    if op == "new_session":
        zk.restart()
        return snapshot(run, run.root)
    raise ValueError("unknown step %r" % step)


def snapshot(run, path):
    """The whole subtree: data, stat and children of every node."""
    data, stat = run.zk.get(path)
    children = sorted(run.zk.get_children(path))
    return {
        "path": path,
        "data": data,
        "stat": stat,
        "children": [snapshot(run, path + "/" + c) for c in children],
    }


def run_seed(hosts, seed, sequence, layout="counter"):
    # A fresh root per run, so one server can serve several runs; paths are
    # compared relative to it.
    root = "/difftest-%d-%s" % (seed, uuid.uuid4().hex[:8])
    run = Run(hosts, root, layout)
    try:
        if run.zk.exists(root):
            raise AssertionError("%s already exists on %s: servers must start empty" % (root, hosts))
        run.zk.create(root, b"")
        run.base = run.counter(run.zk.exists(root).czxid)
        if isinstance(run.base, str):
            raise AssertionError("zxid of the run root: %s" % run.base)
        records = []
        for i, step in enumerate(sequence):
            before = run.counter(run.zk.last_zxid)
            try:
                outcome = apply_step(run, step)
            except (ZookeeperError, KazooException) as e:
                outcome = e
            after = run.counter(run.zk.last_zxid)
            if step["op"] == "sync" and isinstance(after, int) and isinstance(before, int) and after > before:
                run.sync_zxids.extend(range(before + 1, after + 1))
            events = run.drain()
            if step["op"] == "new_session":
                # ZooKeeper sends a closing session the events its own
                # ephemerals' deletion fires; zoolab drops its watches
                # first. DIFFERENCES.md, "Events of one's own close".
                events = "not compared: events of the session's own close"
            records.append(
                {
                    "step": i,
                    "outcome": run.norm(outcome),
                    "events": events,
                    # The reply header's zxid: the server's last zxid.
                    "zxid": run.zxid(run.zk.last_zxid),
                }
            )
        return records
    finally:
        run.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reference", required=True)
    ap.add_argument("--subject", required=True)
    ap.add_argument("--seeds", default="1")
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--ttl", action="store_true")
    ap.add_argument(
        "--subject-zxids",
        choices=["counter", "slot"],
        default="counter",
        help="how the subject numbers commits: slot for zoolab's basic Paxos",
    )
    ap.add_argument("--show", type=int, default=5, help="differences printed per seed")
    args = ap.parse_args()
    failed = False
    total = 0
    for seed in [int(s) for s in args.seeds.split(",")]:
        sequence = generate(seed, args.steps, args.ttl)
        ref = run_seed(args.reference, seed, sequence)
        sub = run_seed(args.subject, seed, sequence, args.subject_zxids)
        diffs = [(a, b) for a, b in zip(ref, sub) if a != b]
        total += len(sequence)
        ops = sum(len(s["ops"]) if s["op"] == "multi" else 1 for s in sequence)
        print("seed %d: %d steps (%d operations), %d differing" % (seed, len(sequence), ops, len(diffs)))
        for a, b in diffs[: args.show]:
            failed = True
            print("  step %d: %s" % (a["step"], json.dumps(sequence[a["step"]])))
            print("    reference: %s" % json.dumps(a))
            print("    subject:   %s" % json.dumps(b))
        failed |= bool(diffs)
    print("difftest %s: %d steps compared" % ("FAILED" if failed else "ok", total))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
