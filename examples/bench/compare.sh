#!/usr/bin/env bash
# bertpp beside ONNX Runtime on this machine, now. The engines alternate
# within each round (so both see the same background load), rounds repeat,
# and the table reports each engine's best of all runs and rounds on the
# same token ids (bertpp-bench-encoder --dump-inputs, ort_cases.js).
#
#   bash examples/bench/compare.sh [--build DIR] [--native DIR] [--rounds N] [--runs N]
#                                  [--threads N] [--presets "bert-base minilm-l6"]
#                                  [--cases LIST] [--int8] [--avx2] [--vnni] [--pipeline] [--out FILE]
#                                  [--torch | --no-torch]
#
#   --build DIR    a Release build with the examples (default build/release)
#   --native DIR   also run DIR's bertpp-bench-encoder (e.g. built with -march=native)
#   --int8         also bertpp with Quantization::DynamicInt8 (and, with PyTorch, PyTorch's
#                  quantize_dynamic int8)
#   --avx2         also bertpp capped to AVX2 (BERTPP_ISA=avx2), float32 and, with --int8, int8
#   --vnni         with --int8, also int8 capped to AVX-512 (BERTPP_ISA=avx512): the AVX-512
#                  VNNI kernel, which a CPU with AMX otherwise does not run
#   --pipeline     also the sentence-embedding pipeline over the corpus (MiniLM-L6 shape)
#   --out FILE     keep the raw results (JSON Lines); --summarize FILE prints the table of such a
#                  file (e.g. of an interrupted run) and exits
#   --cases LIST   bertpp-bench-encoder case names (default: every uniform case and the
#                  32 corpus sentences, packed for bertpp, padded for ONNX Runtime)
#   --extra-cases LIST  the cases of the --native/--int8/--avx2/--vnni runs (default: the same
#                  without 1x512 and 8x512, to keep a run short)
#
# ONNX Runtime: set ORT_NODE to an onnxruntime-node package folder (see
# ../shared/anchors/README.md); without node or the package the script says
# so and times bertpp alone. The models come from ../shared/anchors (SHARED=...).
#
# PyTorch (reference only, not a dependency): examples/bench/torch_cases.py runs HF BertModel's
# structure in plain PyTorch (fp32 as "pytorch-fp32"; with --int8 also quantize_dynamic int8 as
# "pytorch-int8") on the same token ids, padded as HF pads a batch. Used when $TORCH_PYTHON
# (default /usr/bin/python3; Debian: apt-get install python3-torch) imports torch and its BLAS is not
# the reference one (Debian's torch multiplies through libblas.so.3: apt-get install
# libopenblas0-openmp, or point LD_LIBRARY_PATH at an OpenBLAS); --torch uses it whatever the BLAS
# (and fails without torch), --no-torch skips it.
set -euo pipefail
cd "$(dirname "$0")/../.."

build=build/release native="" rounds=3 runs=5 threads=2 int8=0 avx2=0 vnni=0 pipeline=0 torch=auto
torch_python=${TORCH_PYTHON:-/usr/bin/python3}
presets="bert-base minilm-l6" out="" summarize_only=""
cases="1x128,8x128,32x32,1x512,8x512,sentences32-packed"
extra_cases="1x128,8x128,32x32,sentences32-packed"
shared=${SHARED:-../shared}
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --native) native=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --presets) presets=$2; shift 2 ;;
    --cases) cases=$2; shift 2 ;;
    --extra-cases) extra_cases=$2; shift 2 ;;
    --int8) int8=1; shift ;;
    --avx2) avx2=1; shift ;;
    --vnni) vnni=1; shift ;;
    --pipeline) pipeline=1; shift ;;
    --torch) torch=1; shift ;;
    --no-torch) torch=0; shift ;;
    --out) out=$2; shift 2 ;;
    --summarize) summarize_only=$2; shift 2 ;;
    *) echo "compare.sh: unknown argument '$1' (see the comment at the top)" >&2; exit 2 ;;
  esac
done

# summarize RESULTS ROUNDS RUNS: the best-of table.
summarize() {
/usr/bin/env python3 - "$@" <<'PY'
import json, sys, collections
path, rounds, runs = sys.argv[1], sys.argv[2], sys.argv[3]
best = collections.defaultdict(float)
gflops = collections.defaultdict(float)
meta, torch_meta = {}, {}
for line in open(path):
    r = json.loads(line)
    case = r["case"].replace("-packed", "")  # bertpp packs, ONNX Runtime pads: the same sentences
    key = (r["preset"], case, r["engine"])
    value = r.get("best_tokens_per_s") or r.get("best_sentences_per_s", 0)
    best[key] = max(best[key], value)
    if "gflops" in r: gflops[key] = max(gflops[key], r["gflops"] * r.get("median_ms", 1) / r.get("min_ms", r.get("median_ms", 1)))
    if r["engine"] == "bertpp" and "kernels" in r: meta = r
    if r["engine"].startswith("pytorch"): torch_meta.update({k: r[k] for k in ("torch", "blas", "quantized_engine") if k in r})
order = ["ort", "bertpp", "bertpp-native", "bertpp-int8", "bertpp-vnni-int8", "bertpp-avx2", "bertpp-avx2-int8", "pytorch-fp32", "pytorch-int8"]
engines = sorted({k[2] for k in best}, key=lambda e: order.index(e) if e in order else 99)
# PyTorch columns: bertpp (float32, int8) over PyTorch's of the same precision
torch_ratios = [(b, t) for b, t in (("bertpp", "pytorch-fp32"), ("bertpp-int8", "pytorch-int8")) if t in engines]
print(f"\nbest of {rounds} rounds x {runs} runs; tokens/s (pipeline: sentences/s); ratio = engine / ONNX Runtime"
      + ("; bertpp / pytorch: bertpp over PyTorch at the same precision" if torch_ratios else ""))
print(f"cpu: {meta.get('cpu', '?')}; bertpp kernels: {meta.get('kernels', '?')}; build: {meta.get('flags', '?')}"
      + (f"\npytorch: {torch_meta.get('torch', '?')}, BLAS {torch_meta.get('blas', '?')}"
         + (f", quantized engine {torch_meta['quantized_engine']}" if "quantized_engine" in torch_meta else "") if torch_meta else "") + "\n")
header = ("| model | case | " + " | ".join(engines) + " | " + " | ".join(f"{e} / ort" for e in engines if e != "ort" and not e.startswith("pytorch"))
          + "".join(f" | {b} / {t}" for b, t in torch_ratios) + " | bertpp GFLOP/s |")
print(header)
print("|" + "---|" * (header.count("|") - 1))
for preset in sorted({k[0] for k in best}, key=lambda p: p != "bert-base"):
    for case in dict.fromkeys(k[1] for k in best if k[0] == preset):
        values = [best.get((preset, case, e), 0) for e in engines]
        o = best.get((preset, case, "ort"), 0)
        ratios = [f"{best.get((preset, case, e), 0) / o:.2f}x" if o and best.get((preset, case, e)) else "-" for e in engines if e != "ort" and not e.startswith("pytorch")]
        for b, t in torch_ratios:
            v, w = best.get((preset, case, b), 0), best.get((preset, case, t), 0)
            ratios.append(f"{v / w:.2f}x" if v and w else "-")
        g = gflops.get((preset, case, "bertpp"), 0)
        print(f"| {preset} | {case} | " + " | ".join(f"{v:,.0f}" if v else "-" for v in values) + " | " + " | ".join(ratios) + (f" | {g:.0f} |" if g else " | - |"))
PY
}

if [ -n "$summarize_only" ]; then summarize "$summarize_only" "?" "?"; exit 0; fi

bench=$build/examples/bertpp-bench-encoder
[ -x "$bench" ] || { echo "compare.sh: $bench not found: cmake -S . -B $build -DCMAKE_BUILD_TYPE=Release && cmake --build $build --target bertpp-bench-encoder" >&2; exit 1; }
[ -z "$native" ] || [ -x "$native/examples/bertpp-bench-encoder" ] || { echo "compare.sh: no bertpp-bench-encoder in $native" >&2; exit 1; }
corpus=$shared/golden/tokenizer/corpus.jsonl
vocab=$shared/golden/models/bert-random
st_files=$shared/real-model-files/all-MiniLM-L6-v2
[ -f "$corpus" ] || { echo "compare.sh: $corpus not found (SHARED=$shared)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/bertpp-compare-XXXXXX")
trap 'rm -rf "$work"' EXIT
results=${out:-$work/results.jsonl}
: > "$results"

ort=1
if ! command -v node > /dev/null; then
  echo "compare.sh: node not found: ONNX Runtime skipped" >&2; ort=0
elif ! node -e "require(process.env.ORT_NODE || 'onnxruntime-node')" 2> /dev/null; then
  echo "compare.sh: onnxruntime-node not found (set ORT_NODE, see $shared/anchors/README.md): ONNX Runtime skipped" >&2; ort=0
fi

if [ "$torch" != 0 ]; then
  if ! torch_info=$("$torch_python" examples/bench/torch_cases.py --info 2> /dev/null); then
    [ "$torch" = 1 ] && { echo "compare.sh: --torch: $torch_python cannot import torch (set TORCH_PYTHON; Debian: apt-get install python3-torch)" >&2; exit 1; }
    echo "compare.sh: $torch_python cannot import torch (set TORCH_PYTHON; Debian: apt-get install python3-torch): PyTorch skipped" >&2; torch=0
  elif [ "$torch" = auto ] && [[ "$torch_info" == *"BLAS reference"* ]]; then
    echo "compare.sh: PyTorch ($torch_info) would multiply on the reference BLAS, 10-100x slower (Debian: apt-get install libopenblas0-openmp; --torch runs it anyway): PyTorch skipped" >&2; torch=0
  else
    echo "compare.sh: PyTorch: $torch_info" >&2; torch=1
  fi
fi

onnx_file() {  # preset -> unpacked ONNX model path
  local name=$1.onnx
  [ -f "$work/$name" ] || xz -dc "$shared/anchors/$name.xz" > "$work/$name"
  echo "$work/$name"
}

# record ENGINE PRESET ROUND: JSON lines on stdin -> $results, tagged.
record() {
  /usr/bin/env python3 -c '
import json, sys
engine, preset, rnd = sys.argv[1:4]
text = sys.stdin.read()
try:
    doc = json.loads(text)  # bertpp-bench-encoder: one document; the others one line a case
    if not isinstance(doc, dict) or "cases" not in doc: raise ValueError  # (a single case parses too)
    rows = doc["cases"] + ([doc["pipeline"]] if "pipeline" in doc else [])
    meta = {k: doc[k] for k in ("kernels", "weights", "cpu", "flags") if k in doc}
except ValueError:
    rows, meta = [json.loads(l) for l in text.splitlines() if l.strip()], {}
for r in rows:
    r.update(meta, engine=engine, preset=preset, round=int(rnd))
    print(json.dumps(r))
' "$@" >> "$results"
}

common=(--threads "$threads" --runs "$runs" --warmup 1 --json --sentences "$corpus" --tokenizer "$vocab")
echo "compare.sh: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $rounds rounds x $runs runs, $threads threads" >&2
for round in $(seq 1 "$rounds"); do
  for preset in $presets; do
    echo "round $round: $preset" >&2
    inputs=$work/inputs-$preset.json
    extra=()
    [ "$pipeline" = 1 ] && [ "$preset" = minilm-l6 ] && extra=(--pipeline "$st_files")
    "$bench" --preset "$preset" "${common[@]}" --cases "$cases" --dump-inputs "$inputs" "${extra[@]}" | record bertpp "$preset" "$round"
    if [ "$ort" = 1 ]; then
      node examples/bench/ort_cases.js "$(onnx_file "$preset")" "$inputs" "$threads" "$runs" 1 "$cases" | record ort "$preset" "$round"
    fi
    if [ "$torch" = 1 ]; then
      "$torch_python" examples/bench/torch_cases.py "$preset" "$inputs" "$threads" "$runs" 1 "$cases" | record pytorch-fp32 "$preset" "$round"
    fi
    [ -z "$native" ] || "$native/examples/bertpp-bench-encoder" --preset "$preset" "${common[@]}" --cases "$extra_cases" | record bertpp-native "$preset" "$round"
    [ "$int8" = 0 ] || "$bench" --preset "$preset" "${common[@]}" --cases "$extra_cases" --int8 | record bertpp-int8 "$preset" "$round"
    if [ "$int8" = 1 ] && [ "$torch" = 1 ]; then
      "$torch_python" examples/bench/torch_cases.py "$preset" "$inputs" "$threads" "$runs" 1 "$extra_cases" --int8 | record pytorch-int8 "$preset" "$round"
    fi
    if [ "$avx2" = 1 ]; then
      BERTPP_ISA=avx2 "$bench" --preset "$preset" "${common[@]}" --cases "$extra_cases" | record bertpp-avx2 "$preset" "$round"
      [ "$int8" = 0 ] || BERTPP_ISA=avx2 "$bench" --preset "$preset" "${common[@]}" --cases "$extra_cases" --int8 | record bertpp-avx2-int8 "$preset" "$round"
    fi
    if [ "$vnni" = 1 ] && [ "$int8" = 1 ]; then
      BERTPP_ISA=avx512 "$bench" --preset "$preset" "${common[@]}" --cases "$extra_cases" --int8 | record bertpp-vnni-int8 "$preset" "$round"
    fi
  done
done

summarize "$results" "$rounds" "$runs"
