#!/usr/bin/env bash
# The bertpp demo: builds the `bertpp` tool and examples, then runs every pipeline once.
#   bash examples/run-demo.sh
# Uses models downloaded into models/ (examples/scripts/download_model.sh) when present,
# else the random-weight test models in ../shared/golden/models (answers are arithmetic,
# not language: the weights are random).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash third_party/install-deps.sh
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j "$(nproc)" --target bertpp-cli >/dev/null
bertpp="$root/build/release/examples/bertpp"
golden="${BERTPP_SHARED_DIR:-$root/../shared}/golden/models"

# pick <real model id> <golden fallback>: the folder to use for a task, or nothing.
pick() {
  if [ -f "models/$1/config.json" ]; then echo "models/$1"
  elif [ -f "$golden/$2/config.json" ]; then echo "$golden/$2"
  fi
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
