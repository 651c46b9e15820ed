#!/usr/bin/env bash
# One command per experiment: experiments/run.sh <experiment> [--smoke] [options]
#   experiments/run.sh throughput --smoke   # seconds: checks the experiment still runs
#   experiments/run.sh throughput           # the full run (minutes); rewrites RESULTS.md's section
#   experiments/run.sh create-loop [--smoke]
# Options go to `zoolab-bench experiment <experiment>` (--repeats, --duration, --out, --results).
# ZOOLAB_BENCH=<path> uses an already built zoolab-bench instead of building it (release).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ $# -lt 1 ]]; then
  echo "usage: experiments/run.sh <throughput|create-loop> [--smoke] [options]" >&2
  exit 2
fi
bench="${ZOOLAB_BENCH:-}"
if [[ -z "$bench" ]]; then
  cargo build --release -q -p experiments --bin zoolab-bench
  bench="target/release/zoolab-bench"
fi
exec "$bench" experiment "$@"
