#!/usr/bin/env bash
# The project's one test command (README, .ci/run). It installs what the
# tests need when it is missing, then runs every test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."

# The zkCli.sh scenarios (tests/tests/t77_zkcli.rs) run ZooKeeper's own Java
# CLI from Debian's `zookeeper` package; t77 fails rather than skips without it.
ensure_zookeeper() {
    if [ -x /usr/share/zookeeper/bin/zkCli.sh ]; then
        return
    fi
    echo "tests/run.sh: installing the Debian package zookeeper (for zkCli.sh)" >&2
    apt-get update
    apt-get install -y --no-install-recommends zookeeper
}

if ! command -v cargo >/dev/null 2>&1; then
    echo "tests/run.sh: cargo is not installed; install Rust (rustup) first" >&2
    exit 1
fi

# The kazoo compatibility scenarios (tests/tests/t75_kazoo.rs) need the
# Python client from PyPI; t75 fails rather than skips without it.
if ! python3 -c "import kazoo" >/dev/null 2>&1; then
    echo "tests/run.sh: installing kazoo (python3 -m pip install kazoo)" >&2
    python3 -m pip install --quiet kazoo
fi

ensure_zookeeper

cargo test --workspace --locked "$@"
