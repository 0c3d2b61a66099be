#!/usr/bin/env bash
# bertpp's tokenizer beside HF tokenizers (Rust, through its Node binding) on
# this machine, now: the engines alternate within each round on the shared
# corpus (`text` fields only). Not a test.
#
#   TOK_NODE=/path/node_modules/@anush008/tokenizers bash examples/bench/compare_tokenizer.sh \
#       [--build DIR] [--rounds N] [MODEL_DIR ...]
#
# Models default to all-MiniLM-L6-v2 (WordPiece) and roberta-random (byte-level
# BPE) from ../shared (SHARED=...). Installing the HF binding: ../shared/anchors/README.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
shared=${SHARED:-../shared} build=build/release rounds=3 models=()
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    *) models+=("$1"); shift ;;
  esac
done
[ ${#models[@]} -gt 0 ] || models=("$shared/real-model-files/all-MiniLM-L6-v2" "$shared/golden/models/roberta-random")
corpus=$shared/golden/tokenizer/corpus.jsonl
bench=$build/examples/bertpp-bench-tokenizer
[ -x "$bench" ] || { echo "compare_tokenizer.sh: $bench not found: cmake --build $build --target bertpp-bench-tokenizer" >&2; exit 1; }
hf=1
node -e "require(process.env.TOK_NODE || '@anush008/tokenizers')" 2> /dev/null ||
  { echo "compare_tokenizer.sh: HF tokenizers for Node not found (set TOK_NODE, see $shared/anchors/README.md): bertpp alone" >&2; hf=0; }
echo "compare_tokenizer.sh: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
for ((round = 1; round <= rounds; round++)); do
  for model in "${models[@]}"; do
    echo "== round $round: $model"
    "$bench" "$corpus" "$model" 20 | grep 'texts only'
    [ "$hf" = 0 ] || node "$shared/anchors/tok_bench.js" "$model/tokenizer.json" "$corpus" 2>&1 | grep 'hf-tokenizers'
  done
done
