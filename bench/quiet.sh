#!/usr/bin/env bash
# Waits until the machine is quiet enough to benchmark: no Maven/Surefire process, and the CPU
# (all cores) less than MAX_BUSY percent busy over a 3-second window, for up to MAX_WAIT seconds.
# Prints what it saw; exits 0 when quiet, 1 when it gave up (the caller decides whether to go on).
#
#   bench/quiet.sh && java bench/MetricIngestBench.java ...
MAX_BUSY=${MAX_BUSY:-25}
MAX_WAIT=${MAX_WAIT:-600}

busy_pct() {
  local a b
  read -r _ u1 n1 s1 i1 w1 q1 sq1 st1 _ </proc/stat
  sleep 3
  read -r _ u2 n2 s2 i2 w2 q2 sq2 st2 _ </proc/stat
  a=$(( (u2 + n2 + s2 + q2 + sq2 + st2) - (u1 + n1 + s1 + q1 + sq1 + st1) ))
  b=$(( a + (i2 + w2) - (i1 + w1) ))
  echo $(( b > 0 ? 100 * a / b : 0 ))
}

start=$(date +%s)
while true; do
  builds=$(pgrep -f 'plexus-classworlds|surefirebooter|failsafe' | wc -l)
  busy=$(busy_pct)
  if [ "$builds" -eq 0 ] && [ "$busy" -lt "$MAX_BUSY" ]; then
    echo "quiet: CPU ${busy}% busy, no build running (waited $(( $(date +%s) - start )) s)"
    exit 0
  fi
  if [ $(( $(date +%s) - start )) -ge "$MAX_WAIT" ]; then
    echo "NOT quiet after ${MAX_WAIT} s: CPU ${busy}% busy, ${builds} build processes" >&2
    exit 1
  fi
done
