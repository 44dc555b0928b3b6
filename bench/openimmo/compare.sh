#!/usr/bin/env bash
# Rust (quick-xml) vs. Python (lxml) writing the same OpenImmo document.
# usage: bench/openimmo/compare.sh [COUNT] [WORKDIR]     (defaults: 30000 /tmp/openimmo-bench)
set -euo pipefail
COUNT="${1:-30000}"
WORK="${2:-/tmp/openimmo-bench}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
mkdir -p "$WORK"

if ! python3 -c 'import lxml' 2>/dev/null; then
  echo "installing lxml with pip ..."
  python3 -m pip install --quiet lxml
fi

cd "$ROOT"
cargo build --release -q -p immohub-openimmo --example export_bench
RUST_OUT="$(cargo run --release -q -p immohub-openimmo --example export_bench -- \
  "$COUNT" "$WORK/rust.xml" "$WORK/listings.jsonl")"
echo "$RUST_OUT"
PY_OUT="$(python3 "$ROOT/bench/openimmo/lxml_writer.py" "$WORK/listings.jsonl" "$WORK/lxml.xml")"
echo "$PY_OUT"

rust_s="$(sed -E 's/.* listings, ([0-9.]+) s,.*/\1/' <<<"$RUST_OUT")"
py_s="$(sed -E 's/.* listings, ([0-9.]+) s,.*/\1/' <<<"$PY_OUT")"
python3 -c "r=$rust_s; p=$py_s; print(f'ratio: Rust is {p/r:.1f}x faster than Python lxml ({p:.3f} s / {r:.3f} s); target >= 10x')"

python3 "$ROOT/bench/openimmo/same_document.py" "$WORK/rust.xml" "$WORK/lxml.xml"
if [[ -n "${IMMOHUB_OPENIMMO_XSD:-}" ]] && command -v xmllint >/dev/null; then
  xmllint --noout --schema "$IMMOHUB_OPENIMMO_XSD" "$WORK/rust.xml"
else
  echo "schema check skipped (set IMMOHUB_OPENIMMO_XSD and install xmllint)"
fi
