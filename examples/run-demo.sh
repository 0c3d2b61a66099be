#!/usr/bin/env bash
# The bertpp demo: builds the `bertpp` tool, then runs every pipeline once.
#   bash examples/run-demo.sh
# Models: those in models/ (examples/scripts/download_model.sh); where the HuggingFace hub is
# reachable, the missing ones are downloaded there first (about 1.8 GB on the first run).
# Offline (or with BERTPP_DEMO_OFFLINE=1) it uses the random-weight test models of
# ../shared/golden/models instead (answers are arithmetic, not language: the weights are random).
# BERTPP_CLI=/path/to/bertpp runs an already built tool (no dependency install, no build).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
if [ -n "${BERTPP_CLI:-}" ]; then
  bertpp="$BERTPP_CLI"
else
  bash third_party/install-deps.sh
  cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build/release -j "$(nproc)" --target bertpp-cli >/dev/null
  bertpp="$root/build/release/examples/bertpp"
fi
golden="${BERTPP_SHARED_DIR:-$root/../shared}/golden/models"
endpoint="${HF_ENDPOINT:-https://huggingface.co}"

# Online? One quick request (short timeout), said once.
online=0
if [ "${BERTPP_DEMO_OFFLINE:-0}" = 1 ]; then
  echo "BERTPP_DEMO_OFFLINE=1: no downloads."
elif command -v curl >/dev/null &&
     curl -sS -o /dev/null --connect-timeout 3 --max-time 6 "$endpoint/api/models/bert-base-uncased" 2>/dev/null; then
  online=1
  echo "The HuggingFace hub is reachable: models missing from models/ are downloaded there."
else
  echo "The HuggingFace hub is not reachable ($endpoint): no downloads."
fi
if [ "$online" = 0 ]; then
  if [ -d "$golden" ]; then
    echo "Steps without a model in models/ use the random-weight test models of $golden"
    echo "(their answers are arithmetic, not language)."
  else
    echo "No test models at $golden either: steps without a model in models/ are skipped."
  fi
fi

# pick <real model id> <golden fallback>: the folder to use for a step, or nothing.
pick() {
  if [ -f "models/$1/config.json" ]; then echo "models/$1"; return; fi
  if [ "$online" = 1 ]; then
    if bash examples/scripts/download_model.sh "$1" >&2; then echo "models/$1"; return; fi
    echo "(download of $1 failed; falling back to a test model)" >&2
  fi
  if [ -f "$golden/$2/config.json" ]; then echo "$golden/$2"; fi
}

step() {  # step <title> <model-folder> <bertpp args...>
  local title="$1" model="$2"; shift 2
  echo
  echo "== $title"
  if [ -z "$model" ]; then
    echo "(skipped: no model; run examples/scripts/download_model.sh, see README)"
    return
  fi
  echo "\$ bertpp $1 -m $model ${*:2}"
  "$bertpp" "$1" -m "$model" "${@:2}"
}

step "Tokenize" "$(pick bert-base-uncased bert-random)" \
  tokenize "Hello, world! Tokenizers split unbelievably long words."
step "Sentence embeddings (first numbers of each)" "$(pick sentence-transformers/all-MiniLM-L6-v2 sentence-random)" \
  embed "A man is eating food." "A man is riding a horse." | cut -c1-100
step "Sentiment" "$(pick distilbert-base-uncased-finetuned-sst-2-english bert-random-sst2)" \
  classify "I love this movie!" "This was a terrible waste of time."
step "Sentiment, int8-quantised encoder (--int8)" "$(pick distilbert-base-uncased-finetuned-sst-2-english bert-random-sst2)" \
  classify --int8 "I love this movie!" "This was a terrible waste of time."
printf 'Great acting.\n\nBad \xff\xfe bytes here.\nA dull plot.\n' |
  step "Sentiment of lines from stdin, one not UTF-8 (--on-error record: one output line per input line)" \
  "$(pick distilbert-base-uncased-finetuned-sst-2-english bert-random-sst2)" \
  classify --on-error record -i -
step "Zero-shot" "$(pick typeform/distilbert-base-uncased-mnli bert-random-nli)" \
  zero-shot --labels "urgent,not urgent,phone" "I have a problem with my iphone that needs to be resolved asap!"
step "Fill-mask" "$(pick bert-base-uncased bert-random-mlm)" \
  fill-mask --top-k 3 "Paris is the [MASK] of France."
step "Question answering" "$(pick distilbert-base-cased-distilled-squad bert-random-squad)" \
  qa --question "Where is Normandy?" "The Normans gave their name to Normandy, a region in France."
step "Named entities" "$(pick dslim/bert-base-NER bert-random-ner)" \
  ner --aggregation simple "Angela Merkel met Emmanuel Macron in Paris."
if "$bertpp" --help | grep -q "^  translate"; then  # built with SentencePiece
  step "Translation (English -> French)" "$(pick Helsinki-NLP/opus-mt-en-fr marian-random)" \
    translate --max-new-tokens 40 "Hello, world!" "The cat is sleeping on the sofa."
fi
step "Model info" "$(pick bert-base-uncased bert-random)" info
echo
echo "Demo done. The tool: $bertpp --help. The example programs (examples/*.cpp): cmake --build build/release, then build/release/examples/bertpp-example-*."
