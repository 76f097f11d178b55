#!/usr/bin/env bash
# Quantize throughput on a random-weight checkpoint with Qwen2.5-VL-3B's exact tensor names and shapes (~7.5 GB bf16).
# For FP8_DYNAMIC, W4A16 and NVFP4A16 it reports wall time, input GB/s, peak RSS, peak anonymous RSS, and the copy
# floor measured in the same run (read the input once + write an output-sized file with fsync) as a ratio.
# Usage: bench/quantize.sh [work-dir] [schemes...]   (default work dir: bench/out; needs ~20 GB free)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=${1:-$root/bench/out}
shift || true
schemes=${*:-FP8_DYNAMIC W4A16 NVFP4A16}
threads=${THREADS:-$(nproc)}
export VLMQ_JAVA_OPTS="${VLMQ_JAVA_OPTS:--Xmx512m}"
mkdir -p "$work"
in=$work/qwen2_5_vl_3b-random

calc() { awk "BEGIN { print $* }"; }

# Runs "$@" in the background, polling /proc for the peak resident and peak anonymous memory; prints
# "<seconds> <peak RSS kB> <peak anon kB>". ./vlmq execs the JVM, so the PID stays the same.
measure() {
  local start end pid peak_rss=0 peak_anon=0
  start=$(date +%s.%N)
  "$@" > "$work/last.log" 2>&1 &
  pid=$!
  # Bash builtins only (even the sleep is a read timeout on a pipe that never delivers): forking awk and sleep 20
  # times a second cost the measured run a good part of one of the 2 cores.
  local key value _ nap
  exec {nap}<> <(:)
  while kill -0 "$pid" 2>/dev/null; do
    { while read -r key value _; do
        case $key in
          VmHWM:) [ "$value" -gt "$peak_rss" ] && peak_rss=$value ;;
          RssAnon:) [ "$value" -gt "$peak_anon" ] && peak_anon=$value ;;
        esac
      done < /proc/$pid/status; } 2>/dev/null || true   # the process may have just exited
    read -rt 0.05 -u "$nap" _ || true
  done
  exec {nap}>&-
  wait "$pid" || { cat "$work/last.log" >&2; echo "bench: command failed: $*" >&2; exit 1; }
  end=$(date +%s.%N)
  echo "$(calc "$end - $start") $peak_rss $peak_anon"
}

"$root/vlmq" --version > /dev/null   # build first, outside the timings
if [ ! -f "$in/config.json" ]; then
  echo "making the random Qwen2.5-VL-3B checkpoint in $in (once)…"
  "$root/vlmq" synth --config "$root/bench/configs/qwen2_5_vl_3b.json" -o "$in" > /dev/null
fi
in_bytes=$(du -cb "$in"/*.safetensors | tail -1 | cut -f1)
cat "$in"/*.safetensors > /dev/null   # warm the page cache, as the llm-compressor reference was measured warm

printf '\ninput: %s, %.2f GB bf16, %d threads, %s, %s\n' "$in" "$(calc "$in_bytes/1e9")" "$threads" \
  "$VLMQ_JAVA_OPTS" "$(nproc) cores"
printf '%-12s %8s %8s %9s %10s %10s %9s %9s %8s\n' scheme wall_s GB/s out_GB peakRSS_MB anonRSS_MB floor_s x_floor vs_llmc
for scheme in $schemes; do
  out=$work/out-$scheme
  rm -rf "$out"
  # Deleting gigabytes queues discards and journal work, and the disk of a cloud VM needs a moment after a burst:
  # let both settle outside the timings, before each run and each floor alike.
  sync; sleep "${SETTLE:-5}"
  read -r secs rss anon < <(measure "$root/vlmq" quantize "$in" -o "$out" --scheme "$scheme" --threads "$threads")
  out_bytes=$(du -cb "$out"/*.safetensors | tail -1 | cut -f1)
  rm -rf "$out"
  sync; sleep "${SETTLE:-5}"
  # Copy floor: read the input once, then write an output-sized file and fsync it.
  floor_start=$(date +%s.%N)
  cat "$in"/*.safetensors > /dev/null
  dd if=/dev/zero of="$work/floor.bin" bs=16M count=$(( (out_bytes + 16777215) / 16777216 )) conv=fdatasync status=none
  floor=$(calc "$(date +%s.%N) - $floor_start")
  rm -f "$work/floor.bin"
  case $scheme in FP8_DYNAMIC) ref=56 ;; W4A16) ref=59 ;; NVFP4A16) ref=154 ;; *) ref=0 ;; esac
  printf '%-12s %8.2f %8.2f %9.2f %10.0f %10.0f %9.2f %9.2f %8s\n' "$scheme" "$secs" "$(calc "$in_bytes/1e9/$secs")" \
    "$(calc "$out_bytes/1e9")" "$(calc "$rss/1024")" "$(calc "$anon/1024")" "$floor" \
    "$(calc "$secs/$floor")" "$( [ "$ref" -gt 0 ] && printf '%.1fx' "$(calc "$ref/$secs")" || echo -)"
done
echo "(vs_llmc: speed-up over llm-compressor on this 2-core machine, warm cache: FP8_DYNAMIC 56 s, W4A16 59 s, NVFP4A16 154 s)"
