#!/usr/bin/env bash
# Builds and runs the examples in C, C++, Rust and Python against a libseqfeat build tree.
#
#   examples/run.sh [--check] [BUILD_DIR]      (BUILD_DIR defaults to build/)
#
# Without --check it prints every language's output (make demo). With --check it compares each
# output with examples/expected/<example>.txt and fails on any difference (make test).
# PYTHON selects the interpreter with numpy (default /usr/bin/python3).
set -euo pipefail

check=0
if [[ "${1:-}" == "--check" ]]; then
  check=1
  shift
fi
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
python="${PYTHON:-/usr/bin/python3}"
out="$build/examples-out"
mkdir -p "$out"

cflags=(-I"$root/include" -I"$build/include" -L"$build" -lseqfeat -Wl,-rpath,"$build")
for example in seed vocab_hash serve; do
  cc -std=c99 -pedantic -Wall -Wextra -Werror -O1 "$root/examples/c/$example.c" "${cflags[@]}" \
    -o "$out/${example}_c"
  c++ -std=c++17 -Wall -Wextra -Werror -O1 "$root/examples/cpp/$example.cc" "${cflags[@]}" \
    -o "$out/${example}_cpp"
done

export SEQFEAT_LIB_DIR="$build"
cargo build --offline --quiet --examples --manifest-path "$root/bindings/rust/Cargo.toml"
rust_bin="${CARGO_TARGET_DIR:-$root/bindings/rust/target}/debug/examples"

run() {  # run <language> <example>
  local language="$1" example="$2"
  case "$language" in
    C) "$out/${example}_c" ;;
    C++) "$out/${example}_cpp" ;;
    Rust) "$rust_bin/$example" ;;
    Python)
      SEQFEAT_LIBRARY="$build/libseqfeat.so" PYTHONPATH="$root/bindings/python" \
        "$python" "$root/examples/python/$example.py" "${@:3}" ;;
  esac
}

# Compares numbers only: used for an output whose layout is not the agreed one-row-per-line.
same_numbers() {  # same_numbers <file> <expected>
  "$python" - "$1" "$2" <<'PY'
import re, sys
def numbers(path):
    return [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", open(path).read())]
got, want = numbers(sys.argv[1]), numbers(sys.argv[2])
sys.exit(0 if len(got) == len(want) and all(abs(a - b) <= 5e-5 for a, b in zip(got, want)) else 1)
PY
}

cd "$root"  # the C and C++ examples find examples/data/vocab.txt from here
status=0
for example in seed vocab_hash; do
  expected="$root/examples/expected/$example.txt"
  for language in C C++ Rust Python; do
    log="$out/$example.$language.txt"
    if ! run "$language" "$example" >"$log" 2>"$log.err"; then
      echo "FAIL $example ($language) exited with an error:"
      cat "$log.err"
      status=1
      continue
    fi
    if ((check == 0)); then
      echo "== $example: $language =="
      cat "$log"
    elif cmp -s "$log" "$expected"; then
      echo "ok   $example ($language)"
    elif same_numbers "$log" "$expected"; then
      echo "ok   $example ($language): same numbers, different layout"
    else
      echo "FAIL $example ($language) differs from examples/expected/$example.txt:"
      diff "$expected" "$log" || true
      status=1
    fi
  done
done

# Python-only examples (training with PyTorch): they assert their own results (the loss falls,
# the tables change), so --check only needs their exit status.
for example in train_lstm; do
  log="$out/$example.Python.txt"
  if ! run Python "$example" >"$log" 2>"$log.err"; then
    echo "FAIL $example (Python) exited with an error:"
    cat "$log.err"
    status=1
  elif ((check == 0)); then
    echo "== $example: Python =="
    cat "$log"
  else
    echo "ok   $example (Python)"
  fi
done

# Train in Python, save, serve from C, C++ and Rust: every server loads the saved directory and
# must print byte for byte what the Python side printed for the same batch.
artifact="$out/serve_pipeline"
rm -rf "$artifact"
python_log="$out/serve.Python.txt"
if ! SEQFEAT_LIBRARY="$build/libseqfeat.so" PYTHONPATH="$root/bindings/python" \
    "$python" "$root/examples/python/train_and_save.py" "$artifact" >"$python_log" 2>"$python_log.err"; then
  echo "FAIL serve (Python: train and save) exited with an error:"
  cat "$python_log.err"
  status=1
else
  if ((check == 0)); then
    echo "== serve: Python (train, save to $artifact) =="
    cat "$python_log"
  fi
  for language in C C++ Rust; do
    log="$out/serve.$language.txt"
    case "$language" in
      C) server="$out/serve_c" ;;
      C++) server="$out/serve_cpp" ;;
      Rust) server="$rust_bin/serve" ;;
    esac
    if ! "$server" "$artifact" >"$log" 2>"$log.err"; then
      echo "FAIL serve ($language) exited with an error:"
      cat "$log.err"
      status=1
    elif ((check == 0)); then
      echo "== serve: $language (load and pack) =="
      cat "$log"
    elif cmp -s "$log" "$python_log"; then
      echo "ok   serve ($language): the same bytes as Python"
    else
      echo "FAIL serve ($language) differs from what Python printed:"
      diff "$python_log" "$log" || true
      status=1
    fi
  done
fi

# Scale-out examples (Python): tests/python checks their outputs; the demo shows what they do.
if ((check == 0)); then
  echo "== dask_pack: 8 JSON-lines shards packed by 2 Dask worker processes =="
  run Python dask_pack --demo || status=1
  echo "== mpi_sharded: tables row-sharded over 2 MPI ranks, trained (Adagrad) through the plan / pack split =="
  SEQFEAT_LIBRARY="$build/libseqfeat.so" PYTHONPATH="$root/bindings/python" \
    mpirun -n 2 --allow-run-as-root --oversubscribe "$python" "$root/examples/python/mpi_sharded.py" \
    --check || status=1
fi
exit "$status"
