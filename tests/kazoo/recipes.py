"""kazoo's recipes over zoolab: a lock handed from one client to another,
a counter incremented by two clients, and an election with a leader and a
contender."""

import threading

from common import PATIENCE, client, fresh_root, wait

a = client()
b = client()
root = fresh_root(a, "recipes")

# Lock: b waits until a releases (a watch on its predecessor).
lock_a = a.Lock(root + "/lock", "a")
lock_b = b.Lock(root + "/lock", "b")
assert lock_a.acquire(timeout=PATIENCE)
got = threading.Event()


def take():
    if lock_b.acquire(timeout=PATIENCE):
        got.set()


t = threading.Thread(target=take)
t.start()
contenders = None
for _ in range(1000):
    contenders = lock_a.contenders()
    if len(contenders) == 2:
        break
    threading.Event().wait(0.01)
assert contenders == ["a", "b"], contenders
assert not got.is_set(), "b got the lock while a held it"
lock_a.release()
wait(got, "b to acquire the lock a released")
t.join(PATIENCE)
lock_b.release()

# Counter: versioned read-modify-write from two clients.
ca = a.Counter(root + "/counter")
cb = b.Counter(root + "/counter")
for _ in range(5):
    ca += 1
    cb += 2
ca.value  # noqa: B018 (re-read)
assert ca.value == 15 and cb.value == 15, (ca.value, cb.value)

# Election: a leads while b waits; b leads once a leaves.
elected = {"a": threading.Event(), "b": threading.Event()}
leave_a = threading.Event()


def lead(name, leave):
    def run():
        elected[name].set()
        if leave is not None:
            wait(leave, name + "'s cue to step down")

    return run


ea = a.Election(root + "/election", "a")
eb = b.Election(root + "/election", "b")
ta = threading.Thread(target=lambda: ea.run(lead("a", leave_a)))
ta.start()
wait(elected["a"], "a elected")
tb = threading.Thread(target=lambda: eb.run(lead("b", None)))
tb.start()
for _ in range(1000):
    if len(ea.contenders()) == 2:
        break
    threading.Event().wait(0.01)
assert ea.contenders() == ["a", "b"], ea.contenders()
assert not elected["b"].is_set()
leave_a.set()
wait(elected["b"], "b elected after a stepped down")
ta.join(PATIENCE)
tb.join(PATIENCE)

a.stop()
b.stop()
print("recipes ok")
