#!/usr/bin/env bash
# Compile cost of a program using bertpp (not a test): wall time and peak
# compiler memory of examples/bench/compile_cost/five_line_pipeline.cpp, header-only and
# against the compiled library (bertpp::compiled), best of N runs each,
# alternated. Compiles to an object file only (no ccache, no link).
#
#   bash examples/bench/compile_cost/compile_cost.sh [--runs N] [--flags "-O2"] [--include DIR] [--cxx g++] [--floor]
#
#   --floor        also time, header-only, the smaller programs beside it: the
#                  required packages alone (required_packages.cpp), a program
#                  that only tokenizes (tokenizer_only.cpp) and one that
#                  tokenizes and runs AutoModel (tokenizer_and_model.cpp), to
#                  show where the five-line program's cost comes from
#   --include DIR  the headers to measure (default: this checkout's include/;
#                  pass another checkout's to compare before/after)
set -euo pipefail
cd "$(dirname "$0")/../../.."
runs=3 flags="-O2" include=include cxx=${CXX:-g++} floor=0
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --flags) flags=$2; shift 2 ;;
    --include) include=$2; shift 2 ;;
    --cxx) cxx=$2; shift 2 ;;
    --floor) floor=1; shift ;;
    *) echo "compile_cost.sh: unknown argument '$1' (see the comment at the top)" >&2; exit 2 ;;
  esac
done
[ -x /usr/bin/time ] || { echo "compile_cost.sh: needs /usr/bin/time (Debian: time)" >&2; exit 1; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
dir=examples/bench/compile_cost
src=$dir/five_line_pipeline.cpp
common="-std=c++17 $flags -I$include -I/usr/include/eigen3"
# A variant of the program that includes the umbrella header, as most users start.
sed 's|<bertpp/pipelines/factory.hpp>|<bertpp/bertpp.hpp>|' "$src" > "$work/umbrella.cpp"

declare -A cmd=(
  [header-only]="$cxx $common -c $src -o $work/a.o"
  [header-only-umbrella]="$cxx $common -c $work/umbrella.cpp -o $work/b.o"
  [syntax-only]="$cxx $common -fsyntax-only $src"
  [compiled]="$cxx $common -DBERTPP_COMPILED=1 -c $src -o $work/c.o"
)
order="header-only header-only-umbrella syntax-only compiled"
if [ "$floor" = 1 ]; then
  for program in required_packages tokenizer_only tokenizer_and_model; do
    cmd[$program]="$cxx $common -c $dir/$program.cpp -o $work/$program.o"
  done
  order="required_packages tokenizer_only tokenizer_and_model $order"
fi
declare -A best_s best_mb
echo "compile_cost.sh: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $($cxx --version | head -1), flags: $flags, headers: $include"
for ((r = 1; r <= runs; r++)); do
  for name in $order; do
    /usr/bin/time -f "%e %M" -o "$work/time" ${cmd[$name]}
    read -r s kb < "$work/time"
    mb=$((kb / 1024))
    echo "  run $r $name: ${s} s, ${mb} MB"
    if [ -z "${best_s[$name]:-}" ] || awk "BEGIN{exit !($s < ${best_s[$name]})}"; then best_s[$name]=$s; fi
    if [ -z "${best_mb[$name]:-}" ] || [ "$mb" -lt "${best_mb[$name]}" ]; then best_mb[$name]=$mb; fi
  done
done
lines=$($cxx $common -E $src | wc -l)
lines_compiled=$($cxx $common -DBERTPP_COMPILED=1 -E $src | wc -l)
echo
echo "| build | best wall s | peak MB |"
echo "|---|---:|---:|"
for name in $order; do echo "| $name | ${best_s[$name]} | ${best_mb[$name]} |"; done
echo
echo "preprocessed lines: header-only $lines, compiled $lines_compiled"
