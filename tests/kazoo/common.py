"""Shared by the kazoo scenarios: connecting to the cluster named in argv,
a per-run root so scenarios never see each other's nodes, and waiting on
an event with a bound instead of sleeping."""

import sys
import threading
import uuid

from kazoo.client import KazooClient

# Generous: the suite shares a loaded 2-core machine with compilers.
PATIENCE = 30.0


def hosts():
    if len(sys.argv) < 2:
        sys.exit("usage: %s host:port[,host:port...]" % sys.argv[0])
    return sys.argv[1]


def client(connect=None):
    """A started client; the negotiated timeout is whatever the cluster
    allows (20 tickTimes at most)."""
    zk = KazooClient(hosts=connect or hosts(), timeout=10.0, connection_retry={"max_tries": -1})
    zk.start(timeout=PATIENCE)
    return zk


def fresh_root(zk, name):
    root = "/kazoo-%s-%s" % (name, uuid.uuid4().hex[:8])
    zk.create(root)
    return root


def wait(event, what):
    if not event.wait(PATIENCE):
        raise AssertionError("timed out waiting for %s" % what)


class Collector:
    """Collects watch callbacks and lets a test wait for the n-th one."""

    def __init__(self):
        self.items = []
        self.cond = threading.Condition()

    def __call__(self, item):
        with self.cond:
            self.items.append(item)
            self.cond.notify_all()

    def wait_until(self, pred, what):
        with self.cond:
            if not self.cond.wait_for(lambda: pred(self.items), PATIENCE):
                raise AssertionError("timed out waiting for %s; got %r" % (what, self.items))
            return list(self.items)

    def wait_for(self, n, what):
        with self.cond:
            if not self.cond.wait_for(lambda: len(self.items) >= n, PATIENCE):
                raise AssertionError("timed out waiting for %s; got %r" % (what, self.items))
            return list(self.items)


def expect(exc, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except exc:
        return
    raise AssertionError("%s%r did not raise %s" % (fn.__name__, args, exc.__name__))
