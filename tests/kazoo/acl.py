"""Digest ACLs: credentials sent with auth_data or add_auth prove
digest:user:base64(sha1("user:pass")) as ZooKeeper computes it, and every
operation is checked against the node's ACL (NoAuth, InvalidACL)."""

from kazoo.exceptions import InvalidACLError, NoAuthError
from kazoo.security import make_acl, make_digest_acl

from common import client, expect, fresh_root, hosts
from kazoo.client import KazooClient

alice = KazooClient(hosts=hosts(), timeout=10.0, auth_data=[("digest", "alice:secret")])
alice.start(timeout=30)
anon = client()
root = fresh_root(alice, "acl")

only_alice = [make_digest_acl("alice", "secret", all=True)]
assert only_alice[0].id.id == "alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E=", only_alice
alice.create(root + "/secret", b"s", acl=only_alice)
assert alice.get(root + "/secret")[0] == b"s"
anon.sync(root)
expect(NoAuthError, anon.get, root + "/secret")
expect(NoAuthError, anon.set, root + "/secret", b"x")
expect(NoAuthError, anon.create, root + "/secret/child")
# exists needs no permission, as in ZooKeeper.
assert anon.exists(root + "/secret") is not None

# Wrong credentials prove another digest: still refused; right ones pass.
anon.add_auth("digest", "alice:wrong")
expect(NoAuthError, anon.get, root + "/secret")
anon.add_auth("digest", "alice:secret")
assert anon.get(root + "/secret")[0] == b"s"

# The `auth` scheme stands for the creator's authenticated identities.
alice.create(root + "/mine", b"", acl=[make_acl("auth", "", all=True)])
acls, _ = alice.get_acls(root + "/mine")
assert [(a.id.scheme, a.id.id) for a in acls] == [("digest", "alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E=")], acls
plain = client()
expect(InvalidACLError, plain.create, root + "/nobody", acl=[make_acl("auth", "", all=True)])
expect(InvalidACLError, plain.create, root + "/bad", acl=[make_acl("nosuchscheme", "x", all=True)])

# Read-only for everyone else: world:anyone:r plus alice's full rights.
alice.set_acls(root + "/mine", [make_acl("world", "anyone", read=True)] + only_alice)
plain.sync(root)
assert plain.get(root + "/mine")[0] == b""
expect(NoAuthError, plain.set, root + "/mine", b"x")

for zk in (alice, anon, plain):
    zk.stop()
print("acl ok")
