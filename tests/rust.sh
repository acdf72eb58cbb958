#!/usr/bin/env bash
# Runs the Rust crates' tests (seqfeat-sys, seqfeat) against a libseqfeat build tree.
#
#   tests/rust.sh [BUILD_DIR]      (BUILD_DIR defaults to build/)
#
# The crates have no external dependencies; build.rs embeds BUILD_DIR as an rpath.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
if ! command -v cargo >/dev/null; then
  echo "tests/rust.sh: cargo is not installed" >&2
  exit 1
fi
SEQFEAT_LIB_DIR="$build" cargo test --offline --manifest-path "$root/bindings/rust/Cargo.toml"
