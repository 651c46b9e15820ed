#!/usr/bin/env bash
# The project's one test command (README, .ci/run). It installs what the
# tests need when it is missing, then runs every test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."

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

cargo test --workspace --locked "$@"
