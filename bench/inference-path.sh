#!/usr/bin/env bash
# The inference path, hop by hop: the same single-row digits request (FP32 [1,64]) straight to a model
# server process, to deployment-service (with an internal token), and through the gateway with an API
# key, at 1, 8 and 64 closed-loop clients, in one run on one machine: p50, p99, req/s and CPU per hop.
# Runs standalone's InferencePathBench (a JUnit class no build runs: see its Javadoc) in a fresh
# INCLINE_HOME under standalone/target; the table also lands in standalone/target/inference-path-bench.md.
#
#   bench/inference-path.sh                          # 15 s warm-up per path, then 3 s + 10 s per cell, 1,8,64 clients
#   DURATION=20 ROUNDS=3 bench/inference-path.sh
#   JFR=/tmp/ipb-jfr ARGLINE=-XX:FlightRecorderOptions:stackdepth=512 bench/inference-path.sh
#                                                    # JFR of the standalone JVM in each deployment-svc/gateway cell
#
# Environment: DURATION, WARMUP, INITIAL_WARMUP (s), CONCURRENCY (1,8,64), ROUNDS (1), TWO_REPLICAS
# (true: also 2 replicas at the top concurrency), JFR (a directory), KEEP_HOME (false), BUILD=1 (build
# standalone and the model server's jar first), QUIET (1: wait for bench/quiet.sh first), PATHS (a subset
# of model-server,deployment-svc,gateway), ARGLINE (JVM flags of the forked test JVM, which runs the
# standalone: e.g. "-XX:FlightRecorderOptions:stackdepth=512" for JFR, "-Dhttp.maxConnections=64"),
# MAVEN_ARGS (more -D flags, word-split).
# Needs model-server/target/model-server-*-exec.jar and the installed modules:
#   flock -o /tmp/incline-maven.lock ./mvnw -o -q -pl standalone -am install -DskipTests
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
LOG=standalone/target/inference-path-bench.log
mkdir -p standalone/target

if [ "${BUILD:-0}" = 1 ]; then
  flock -o /tmp/incline-maven.lock ./mvnw -o -q -pl standalone -am install -DskipTests
fi
if [ "${QUIET:-1}" = 1 ]; then
  bench/quiet.sh || echo "going on anyway: numbers are less reliable" >&2
fi

args=(-Dbench.duration="${DURATION:-10}" -Dbench.warmup="${WARMUP:-3}" -Dbench.initialWarmup="${INITIAL_WARMUP:-15}"
  -Dbench.concurrency="${CONCURRENCY:-1,8,64}" -Dbench.rounds="${ROUNDS:-1}" -Dbench.twoReplicas="${TWO_REPLICAS:-true}"
  -Dbench.keepHome="${KEEP_HOME:-false}" -Dbench.paths="${PATHS:-model-server,deployment-svc,gateway}")
if [ -n "${ARGLINE:-}" ]; then
  args+=("-DargLine=$ARGLINE")
fi
if [ -n "${JFR:-}" ]; then
  args+=(-Dbench.jfr="$JFR")
fi
# surefire passes -D user properties on to the forked JVM as system properties
set +e
flock -o /tmp/incline-maven.lock ./mvnw -o -pl standalone test -Dtest=InferencePathBench \
  -Dsurefire.failIfNoSpecifiedTests=false "${args[@]}" ${MAVEN_ARGS:-} > "$LOG" 2>&1
rc=$?
set -e
grep -E '^(round|2 replicas|InferencePathBench|JFR recording|  cpu by thread)' "$LOG" || true
if [ $rc -ne 0 ]; then
  echo "the bench failed (exit $rc): see $LOG" >&2
  grep -E 'ERROR|Exception' "$LOG" | head -20 >&2
  exit $rc
fi
cat standalone/target/inference-path-bench.md
