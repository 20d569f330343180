#!/usr/bin/env bash
# Dataset transfers through storage-service: starts a standalone on a fresh INCLINE_HOME, runs
# bench/DatasetTransferBench.java against it (presigned vs direct S3 throughput, then the memory of a
# streamed PUT through the gateway), stops it and removes the home. Arguments go to the bench:
#
#   bench/dataset-transfer.sh                                   # memory (2 GiB PUT), then 3 x 1 GiB transfers
#   bench/dataset-transfer.sh --mode transfer --concurrency 8
#   bench/dataset-transfer.sh --mode transfer --client jdk --sdk-http apache
#
# Environment: JAR (default /tmp/bench/incline-standalone.jar, a copy so that rebuilds cannot change
# it under a run), JAVA (a JDK 21+ java), PORT (gateway, default 18080), CP (a file holding the AWS SDK
# class path; made with Maven, offline, under the shared Maven lock when missing), WORK (homes and
# logs, default a new /tmp/incline-transfer.XXXXXX), QUIET=1 (bench/quiet.sh before the memory run
# and before each repetition: waits until no Maven build runs and the CPU is idle),
# KEEP_HOME=1 (keep the home and its S3 objects).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
JAR=${JAR:-/tmp/bench/incline-standalone.jar}
JAVA=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
PORT=${PORT:-18080}
CP=${CP:-/tmp/bench/s3-classpath.txt}
WORK=${WORK:-$(mktemp -d /tmp/incline-transfer.XXXXXX)}
QUIET=${QUIET:-0}
KEY=ink_$(head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n')
URL=http://127.0.0.1:$PORT
mkdir -p "$WORK"

if [ ! -s "$CP" ]; then
  echo "building the AWS SDK class path into $CP (offline)"
  mkdir -p "$(dirname "$CP")"
  (cd "$ROOT" && JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$JAVA")")") flock /tmp/incline-maven.lock \
    ./mvnw -q -o dependency:build-classpath -pl platform/platform-core -Dmdep.includeScope=runtime -Dmdep.outputFile="$CP")
fi
if curl -s -o /dev/null "$URL/actuator/health"; then
  echo "something already answers on $URL; stop it first" >&2
  exit 1
fi

echo "machine: $(nproc) cores, $(free -h | awk '/^Mem:/ {print $2}') memory; java: $("$JAVA" -version 2>&1 | head -1)"
echo "jar: $JAR ($(du -h "$JAR" | cut -f1), $(date -r "$JAR" '+%F %T')); home and log under $WORK"
df -h "$WORK" | tail -1 | awk '{print "disk under " $6 ": " $4 " free of " $2}'

HOME_DIR=$WORK/home
LOG=$WORK/platform.log
INCLINE_HOME=$HOME_DIR INCLINE_PORT=$PORT INCLINE_BOOTSTRAP_API_KEY=$KEY INCLINE_GATEWAY_RATELIMIT_REQUESTSPERSECOND=0 \
  "$JAVA" -jar "$JAR" >"$LOG" 2>&1 &
PID=$!
cleanup() {
  kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
  if [ "${KEEP_HOME:-0}" != 1 ]; then
    rm -rf "$HOME_DIR"
  fi
}
trap cleanup EXIT
until grep -q "Incline is running" "$LOG"; do
  if ! kill -0 "$PID" 2>/dev/null; then
    echo "the standalone exited; see $LOG" >&2
    exit 1
  fi
  sleep 0.5
done
echo "platform pid $PID: $(grep -o 'Incline started in [0-9.]* s' "$LOG")"
QUIET_ARGS=()
if [ "$QUIET" = 1 ]; then
  QUIET_ARGS=(--quiet "$HERE/quiet.sh")
fi

# the datasets go with the home: deleting them on the embedded S3 takes ~10 s per "directory" (docs/performance.md)
"$JAVA" -cp "$(cat "$CP")" "$HERE/DatasetTransferBench.java" --url "$URL" --key "$KEY" --home "$HOME_DIR" \
  --server-pid "$PID" --tmp "$WORK" --keep-datasets "${QUIET_ARGS[@]}" "$@"

echo "S3 store after the run: $(du -sh "$HOME_DIR/s3" 2>/dev/null | cut -f1)"
