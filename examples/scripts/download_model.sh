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

# Files land in "$dest.partial" and the folder is renamed to $dest once
# complete: an interrupted download never looks like a model folder.
final="$dest"
dest="$dest.partial"
progress=(-sS)
[ -t 2 ] && progress=(--progress-bar)  # a progress bar on a terminal

fetch() {  # fetch <file> [big] -> 0 when downloaded, 1 when the hub has no such file, 2 when unreachable
  local file="$1" out="$dest/$1"
  mkdir -p "$(dirname "$out")"
  local code show=(-sS)
  [ "${2:-}" = big ] && show=("${progress[@]}")
  code=$(curl "${show[@]}" -L --connect-timeout 10 --retry 2 "${auth[@]}" -w '%{http_code}' \
              -o "$out.part" "$endpoint/$model/resolve/$revision/$file") || { rm -f "$out.part"; return 2; }
  if [ "$code" = 200 ]; then mv "$out.part" "$out"; echo "  $file ($(du -h "$out" | cut -f1))"; return 0; fi
  rm -f "$out.part"
  return 1
}

echo "Downloading $model ($revision) into $final"
status=0
fetch config.json || status=$?
if [ "$status" = 2 ]; then echo "error: cannot reach $endpoint (offline? set HF_ENDPOINT for a mirror)" >&2; exit 1; fi
[ "$status" = 0 ] || { echo "error: $model has no config.json (wrong id, or needs HF_TOKEN?)" >&2; exit 1; }
for f in vocab.txt vocab.json merges.txt tokenizer.json tokenizer_config.json special_tokens_map.json \
         modules.json sentence_bert_config.json config_sentence_transformers.json \
         1_Pooling/config.json; do
  fetch "$f" || true
done
# Weights: safetensors (single or sharded), else PyTorch's pytorch_model.bin (single or sharded).
if ! fetch model.safetensors big; then
  if fetch model.safetensors.index.json; then
    shards=$(grep -o '"model-[^"]*\.safetensors"' "$dest/model.safetensors.index.json" | tr -d '"' | sort -u)
    for shard in $shards; do fetch "$shard" big; done
  elif ! fetch pytorch_model.bin big; then
    fetch pytorch_model.bin.index.json || {
      echo "error: $model publishes neither model.safetensors nor pytorch_model.bin" >&2; exit 1; }
    shards=$(grep -o '"pytorch_model-[^"]*\.bin"' "$dest/pytorch_model.bin.index.json" | tr -d '"' | sort -u)
    for shard in $shards; do fetch "$shard" big; done
  fi
fi
[ -f "$dest/vocab.txt" ] || [ -f "$dest/tokenizer.json" ] || [ -f "$dest/merges.txt" ] || {
  echo "error: $model has no vocab.txt, tokenizer.json or vocab.json + merges.txt" >&2; exit 1; }
rm -rf "$final"
mv "$dest" "$final"
echo "Done: $final"
