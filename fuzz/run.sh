#!/usr/bin/env bash
# Run every fuzz target for SECONDS each (default 20), one after another, from the seed
# corpora in fuzz/seeds/<target> (plus whatever fuzz/corpus/<target> has gathered), with a
# 2 GB RSS limit, a 1 GB single-allocation limit and a 10 s per-input timeout: a panic, a
# hang or an allocation driven by a bogus header count is a finding. Prints one table row per
# target and exits non-zero if any target found something (the input is in
# fuzz/artifacts/<target>/; copy it to tests/data/fuzz/<target>/ as a regression test).
# FUZZ_SEED=N fixes libFuzzer's random seed (CI uses 1, so that a run is repeatable).
#
# Needs cargo-fuzz (cargo install cargo-fuzz). The toolchain here is stable, so the
# nightly-only sanitizer flags are enabled with RUSTC_BOOTSTRAP=1.
# Usage: [FUZZ_SEED=N] fuzz/run.sh [SECONDS] [TARGET...]
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
SECONDS_EACH="${1:-20}"
shift || true
TARGETS=("$@")
if [[ ${#TARGETS[@]} -eq 0 ]]; then
  TARGETS=(vectors_text vectors_word2vec_binary vectors_fasttext vectors_finalfusion vectors_open corpus model)
fi
SEED_ARGS=()
if [[ -n "${FUZZ_SEED:-}" ]]; then
  SEED_ARGS=(-seed="$FUZZ_SEED")
fi
export RUSTC_BOOTSTRAP=1
cargo fuzz build -O || exit 1

failed=0
mkdir -p fuzz/artifacts
echo "| target | seconds | executions | exec/s | corpus files | findings |"
echo "|---|---:|---:|---:|---:|---:|"
for t in "${TARGETS[@]}"; do
  mkdir -p "fuzz/corpus/$t"
  log="fuzz/artifacts/$t.log"
  # Findings of this run only: inputs an earlier run left in fuzz/artifacts/<target>/ are older.
  stamp="fuzz/artifacts/.$t.start"
  touch "$stamp"
  cargo fuzz run -O "$t" "fuzz/corpus/$t" "fuzz/seeds/$t" -- \
    -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=10 \
    -print_final_stats=1 "${SEED_ARGS[@]}" >"$log" 2>&1
  status=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  secs=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | grep -o 'in [0-9]*' | grep -o '[0-9]*' | tail -1)
  files=$(find "fuzz/corpus/$t" -type f | wc -l)
  findings=$(find "fuzz/artifacts/$t" -type f -newer "$stamp" 2>/dev/null | wc -l)
  echo "| $t | ${secs:-stopped} | ${execs:-?} | ${rate:-?} | $files | $findings |"
  if [[ $status -ne 0 || $findings -ne 0 ]]; then
    failed=1
    grep -E "panicked at|ERROR:|SUMMARY" "$log" | head -5 >&2
  fi
done
exit $failed
