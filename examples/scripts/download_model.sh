#!/usr/bin/env bash
# Downloads a HuggingFace model folder (safetensors weights, config, tokenizer
# and sentence-transformers module files) for use with bertpp.
#
#   bash examples/scripts/download_model.sh <model-id> [dest-dir] [revision]
#   bash examples/scripts/download_model.sh sentence-transformers/all-MiniLM-L6-v2
#
# Needs curl and internet access. Set HF_TOKEN for gated/private models and
# HF_ENDPOINT to use a mirror. No bertpp test uses this script.
set -euo pipefail
model="${1:?usage: download_model.sh <model-id> [dest-dir] [revision]}"
dest="${2:-models/$model}"
revision="${3:-main}"
endpoint="${HF_ENDPOINT:-https://huggingface.co}"
auth=()
[ -n "${HF_TOKEN:-}" ] && auth=(-H "Authorization: Bearer $HF_TOKEN")

fetch() {  # fetch <file> -> 0 when downloaded, 1 when the hub has no such file
  local file="$1" out="$dest/$1"
  mkdir -p "$(dirname "$out")"
  local code
  code=$(curl -sSL "${auth[@]}" -w '%{http_code}' -o "$out.part" \
              "$endpoint/$model/resolve/$revision/$file") || { rm -f "$out.part"; return 1; }
  if [ "$code" = 200 ]; then mv "$out.part" "$out"; echo "  $file"; return 0; fi
  rm -f "$out.part"
  return 1
}

echo "Downloading $model ($revision) into $dest"
fetch config.json || { echo "error: $model has no config.json (wrong id, or needs HF_TOKEN?)" >&2; exit 1; }
for f in vocab.txt vocab.json merges.txt tokenizer.json tokenizer_config.json special_tokens_map.json \
         modules.json sentence_bert_config.json config_sentence_transformers.json \
         1_Pooling/config.json; do
  fetch "$f" || true
done
if ! fetch model.safetensors; then
  fetch model.safetensors.index.json || {
    echo "error: $model publishes no safetensors weights (only pytorch_model.bin?);" \
         "bertpp reads safetensors only" >&2; exit 1; }
  # Sharded checkpoint: fetch every shard the index names.
  shards=$(grep -o '"model-[^"]*\.safetensors"' "$dest/model.safetensors.index.json" | tr -d '"' | sort -u)
  for shard in $shards; do fetch "$shard"; done
fi
[ -f "$dest/vocab.txt" ] || [ -f "$dest/tokenizer.json" ] || [ -f "$dest/merges.txt" ] || {
  echo "error: $model has no vocab.txt, tokenizer.json or vocab.json + merges.txt" >&2; exit 1; }
echo "Done: $dest"
