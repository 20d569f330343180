#!/usr/bin/env bash
# Standalone cold start and memory: for each repetition, a first start on an empty INCLINE_HOME and
# a second start on the same home. For each start: seconds from launching the JVM until the
# gateway's GET /actuator/health answers 200 (no key needed), the JVM's resident memory (VmRSS)
# once ready, PostgreSQL's memory (PSS summed over its processes, so shared buffers count once),
# and, with INGEST_POINTS>0, the same after one MetricIngestBench throughput run; then the time a
# SIGTERM takes to stop it.
#
#   bench/startup.sh                     # 3 repetitions, jar from /tmp/bench/incline-standalone.jar
#   REPS=5 INGEST_POINTS=1000000 bench/startup.sh
#
# Each start also prints the CPU seconds the JVM (and PostgreSQL) used until ready and how busy the
# whole machine was meanwhile: a machine much busier than the JVM means someone else's load.
#
# Environment: JAR, JAVA (a java binary), PORT (the gateway port to probe; default 8080: the
# standalone jar of 2026-11 listens on 8080 whatever INCLINE_PORT says, see docs/performance.md),
# REPS, INGEST_POINTS (0 = no ingest run), JAVA_OPTS (extra JVM flags), WORK (temporary homes),
# QUIET=1 (run bench/quiet.sh before every start).
set -euo pipefail

JAR=${JAR:-/tmp/bench/incline-standalone.jar}
JAVA=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
PORT=${PORT:-8080}
REPS=${REPS:-3}
INGEST_POINTS=${INGEST_POINTS:-0}
QUIET=${QUIET:-0}
JAVA_OPTS=${JAVA_OPTS:-}
WORK=${WORK:-$(mktemp -d /tmp/incline-startup.XXXXXX)}
mkdir -p "$WORK"
KEY=startup-bench-key-0123456789
HERE=$(cd "$(dirname "$0")" && pwd)
HEALTH=http://127.0.0.1:$PORT/actuator/health

now() { date +%s.%N; }

machine_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6}' /proc/stat; }

proc_ticks() { # utime + stime of a pid (the name may contain spaces: count fields after the last ')')
  sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{print $12 + $13}' || echo 0
}

pss_kb() { # PSS of the given pids, summed
  local total=0 p v
  for p in "$@"; do
    v=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
    total=$((total + ${v:-0}))
  done
  echo "$total"
}

postgres_pids() { # the postmaster under $1/postgres and its children
  local pm
  pm=$(pgrep -f -- "postgres -D $1/postgres" | head -1 || true)
  [ -n "$pm" ] && { echo "$pm"; pgrep -P "$pm" || true; }
}

mem_line() { # pid home
  local rss hwm pg
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$1/status")
  hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$1/status")
  pg=$(pss_kb $(postgres_pids "$2"))
  printf 'JVM VmRSS %d MiB (peak VmHWM %d MiB), PostgreSQL PSS %d MiB' $((rss / 1024)) $((hwm / 1024)) $((pg / 1024))
}

one_start() { # label home
  local label=$1 home=$2 log=$2.$1.log t0 t1 pid code
  if curl -s -o /dev/null "$HEALTH"; then
    echo "something already answers on $HEALTH; stop it first" >&2
    exit 1
  fi
  if [ "$QUIET" = 1 ]; then
    "$HERE/quiet.sh" >/dev/null || echo "  (machine not quiet)"
  fi
  local busy0 idle0 busy1 idle1
  read -r busy0 idle0 < <(machine_ticks)
  t0=$(now)
  # shellcheck disable=SC2086
  INCLINE_HOME=$home INCLINE_PORT=$PORT INCLINE_BOOTSTRAP_API_KEY=$KEY "$JAVA" $JAVA_OPTS -jar "$JAR" >"$log" 2>&1 &
  pid=$!
  trap 'kill $pid 2>/dev/null || true' EXIT
  while true; do
    code=$(curl -s -o /dev/null -w '%{http_code}' "$HEALTH" || true)
    [ "$code" = 200 ] && break
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "the standalone exited; see $log" >&2
      exit 1
    fi
    sleep 0.05
  done
  t1=$(now)
  read -r busy1 idle1 < <(machine_ticks)
  local ready self jcpu pgcpu=0 p
  jcpu=$(proc_ticks "$pid")
  for p in $(postgres_pids "$home"); do pgcpu=$((pgcpu + $(proc_ticks "$p"))); done
  ready=$(echo "$t1 - $t0" | bc -l)
  self=$(grep -o 'Incline started in [0-9.]* s' "$log" | grep -o '[0-9.]*' || echo '?')
  sleep 1 # let the welcome text out
  printf '%-6s ready in %6.2f s (it reports "started in %s s"); %s\n' "$label" "$ready" "$self" "$(mem_line "$pid" "$home")"
  printf '       CPU until ready: JVM %.1f s, PostgreSQL %.1f s (live processes); machine %.0f%% busy = %.1f CPU s\n' \
    "$(echo "$jcpu / 100" | bc -l)" "$(echo "$pgcpu / 100" | bc -l)" \
    "$(echo "100 * ($busy1 - $busy0) / ($busy1 - $busy0 + $idle1 - $idle0)" | bc -l)" \
    "$(echo "($busy1 - $busy0) / ($busy1 - $busy0 + $idle1 - $idle0) * $ready * $(nproc)" | bc -l)"
  echo "$label $ready" >>"$WORK/ready.txt"
  if [ "$INGEST_POINTS" -gt 0 ]; then
    "$JAVA" "$HERE/MetricIngestBench.java" --url "http://127.0.0.1:$PORT" --key "$KEY" --mode throughput \
      --points "$INGEST_POINTS" --reps 1 --no-verify >"$log.ingest" 2>&1 || echo "  ingest run failed; see $log.ingest"
    printf '%-6s after ingesting %d points: %s (%s)\n' "$label" "$INGEST_POINTS" "$(mem_line "$pid" "$home")" \
      "$(grep -o 'end-to-end *[0-9,]* points/s' "$log.ingest" | head -1)"
  fi
  t0=$(now)
  kill -TERM "$pid"
  wait "$pid" 2>/dev/null || true
  trap - EXIT
  printf '%-6s stopped in %.2f s\n' "$label" "$(echo "$(now) - $t0" | bc -l)"
}

echo "machine: $(nproc) cores, $(free -h | awk '/^Mem:/ {print $2}') memory; java: $("$JAVA" -version 2>&1 | head -1)"
echo "jar: $JAR ($(du -h "$JAR" | cut -f1)); homes under $WORK"
: >"$WORK/ready.txt"
for r in $(seq 1 "$REPS"); do
  home=$WORK/home-$r
  echo "--- repetition $r"
  one_start first "$home"
  one_start second "$home"
done
echo "--- ready seconds (median [min .. max])"
for label in first second; do
  awk -v l="$label" '$1 == l {print $2}' "$WORK/ready.txt" | sort -n | awk -v l="$label" '
    {v[NR] = $1} END {m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
    printf "%-6s %.2f [%.2f .. %.2f] s over %d starts\n", l, m, v[1], v[NR], NR}'
done
