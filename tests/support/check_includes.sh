#!/usr/bin/env bash
# Include what you use: which headers a public header pulls in, header-only
# and with the compiled library (BERTPP_COMPILED). Fails naming the header
# that brought in what it must not.
# Usage: check_includes.sh <c++ compiler> <bertpp include dir> <Eigen include dir>
set -euo pipefail
cxx="$1"; include="$2"; eigen="$3"
failures=0

# deps HEADER [FLAGS...] -> the headers it includes, one per line
deps() {
  local header=$1; shift
  echo "#include <$header>" | "$cxx" -std=c++17 "$@" -I"$include" -I"$eigen" -x c++ -M - | tr ' \\' '\n\n' | grep -v '^$'
}

# forbid HEADER MODE PATTERN WHY [FLAGS...]: HEADER must not pull in anything matching PATTERN.
forbid() {
  local header=$1 mode=$2 pattern=$3 why=$4; shift 4
  local found
  found=$(deps "$header" "$@" | grep -E "$pattern" | sed "s|^$include/||" || true)
  if [ -n "$found" ]; then
    echo "FAIL: <$header> ($mode) pulls in $why:"; echo "$found" | sed 's/^/    /'
    failures=$((failures + 1))
  else
    echo "ok:   <$header> ($mode) pulls in none of: $why"
  fi
}

for mode in header-only compiled; do
  flags=(); [ "$mode" = compiled ] && flags=(-DBERTPP_COMPILED=1)
  # The tokenizer alone: no encoder, weights, pipelines (their JSON run() layer) or Eigen.
  forbid bertpp/tokenizer/tokenizer.hpp "$mode" 'bertpp/(nn|models|io|pipelines)/|Eigen/|immintrin' \
         "model, weight, pipeline or Eigen headers" "${flags[@]}"
done
# With the compiled library the tokenizer's JSON reader stays in the library.
forbid bertpp/tokenizer/tokenizer.hpp compiled 'nlohmann/json.hpp|tokenizer_loader' \
       "the JSON reader (nlohmann, tokenizer_loader)" -DBERTPP_COMPILED=1
# ... and pipeline(...).run(json) needs nothing but the declarations and JSON.
forbid bertpp/pipelines/factory.hpp compiled \
       'bertpp/(nn|io|tokenizer)/|bertpp/models/(auto_model|encoder)|bertpp/pipelines/[a-z_]*(classification|answering|mask|embeddings|encoder|extraction)|Eigen/|immintrin' \
       "pipelines, tokenizer, model or Eigen headers" -DBERTPP_COMPILED=1
# AutoModel's declarations need its config and input/output types, not the
# layers, GEMM kernels or weight readers it is defined with.
forbid bertpp/models/auto_model.hpp compiled \
       'bertpp/models/(encoder|heads)|bertpp/nn/(layers|embeddings|transformer_layer|quantized|weight_binder)|bertpp/io/(safetensors|pytorch_checkpoint|tensor_store|tensor_file|model_folder)|bertpp/detail/(sgemm|int8_gemm|pickle|zip_archive|mapped_file)|immintrin' \
       "encoder layers, GEMM kernels or weight readers" -DBERTPP_COMPILED=1

[ "$failures" -eq 0 ] || { echo "$failures include rule(s) broken"; exit 1; }
