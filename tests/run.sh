#!/usr/bin/env bash
# The project's one test command (README, .ci/run). It installs what the
# tests need when it is missing, then runs every test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."

# Apache ZooKeeper 3.8 from Debian's `zookeeper` package: its zkCli.sh
# (tests/tests/t77_zkcli.rs) and its server jar, started with java, for the
# differential test (tests/tests/t78_differential.rs). Both fail rather than
# skip without it.
ensure_zookeeper() {
    if [ -x /usr/share/zookeeper/bin/zkCli.sh ] && [ -f /usr/share/java/zookeeper.jar ] \
        && command -v java >/dev/null 2>&1; then
        return
    fi
    echo "tests/run.sh: installing Apache ZooKeeper (apt-get install zookeeper)" >&2
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "tests/run.sh: no apt-get; install Apache ZooKeeper 3.8 so that /usr/share/java/zookeeper.jar and /usr/share/zookeeper/bin/zkCli.sh exist" >&2
        exit 1
    fi
    local sudo=""
    if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
    $sudo apt-get update -q
    $sudo apt-get install -y --no-install-recommends zookeeper
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
