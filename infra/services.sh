#!/usr/bin/env bash
# Starts, stops and reports redis-server and nats-server for the Redis store backend, as
# plain processes (no systemd here), on the loopback interface, with their data, pid files
# and logs under one directory.
#
#   infra/services.sh start|stop|status [--dir DIR] [--redis-port P] [--nats-port P]
#
#   DIR defaults to .tmp/services; ports to 6379 and 4222. `start` is idempotent (a
#   running server is left alone) and waits until both answer; `stop` stops them by pid
#   (SIGTERM, then SIGKILL after 10 s). `start` prints the URLs:
#     K8TS_TEST_REDIS_URL=redis://127.0.0.1:P
#     K8TS_TEST_NATS_URL=nats://127.0.0.1:P
set -euo pipefail

INFRA="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ACTION="${1:-}"
shift || true
DIR=".tmp/services"
REDIS_PORT=6379
NATS_PORT=4222
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) DIR="$2"; shift 2 ;;
    --redis-port) REDIS_PORT="$2"; shift 2 ;;
    --nats-port) NATS_PORT="$2"; shift 2 ;;
    *) echo "services.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"
REDIS_PID="$DIR/redis.pid"
NATS_PID="$DIR/nats.pid"

# Debian puts nats-server in /usr/sbin, which is not on every user's PATH.
find_binary() {
  command -v "$1" 2>/dev/null || { [ -x "/usr/sbin/$1" ] && echo "/usr/sbin/$1"; } || {
    echo "services.sh: $1 not found (run infra/install-deps.sh)" >&2
    return 1
  }
}

# The pid in a pid file, if that process is alive and is the expected program.
running_pid() {
  local file="$1" name="$2" pid
  [ -f "$file" ] || return 1
  pid="$(cat "$file" 2>/dev/null)"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  grep -q "$name" "/proc/$pid/cmdline" 2>/dev/null || return 1
  echo "$pid"
}

wait_until() {
  local what="$1" log="$2"
  shift 2
  for _ in $(seq 1 100); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "services.sh: $what did not come up within 10 s; last log lines:" >&2
  tail -n 20 "$log" >&2 || true
  return 1
}

redis_answers() {
  [ "$("$REDIS_CLI" -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = "PONG" ]
}

nats_answers() {
  # The server greets every connection with an INFO line.
  exec 9<>"/dev/tcp/127.0.0.1/$NATS_PORT" || return 1
  local line
  read -r -t 2 line <&9 || true
  exec 9<&- 9>&-
  [[ "$line" == INFO* ]]
}

start_redis() {
  if pid="$(running_pid "$REDIS_PID" redis-server)"; then
    echo "redis-server already running (pid $pid)"
    return 0
  fi
  local server
  server="$(find_binary redis-server)"
  mkdir -p "$DIR/redis"
  "$server" "$INFRA/redis.conf" --port "$REDIS_PORT" --dir "$DIR/redis" \
    --daemonize yes --pidfile "$REDIS_PID" --logfile "$DIR/redis.log"
  wait_until "redis-server on port $REDIS_PORT" "$DIR/redis.log" redis_answers
  echo "redis-server running (pid $(cat "$REDIS_PID"), port $REDIS_PORT)"
}

start_nats() {
  if pid="$(running_pid "$NATS_PID" nats-server)"; then
    echo "nats-server already running (pid $pid)"
    return 0
  fi
  local server
  server="$(find_binary nats-server)"
  # nats-server has no daemon mode: detach it into its own session.
  setsid "$server" -c "$INFRA/nats.conf" -p "$NATS_PORT" -P "$NATS_PID" -l "$DIR/nats.log" \
    </dev/null >>"$DIR/nats.log" 2>&1 &
  wait_until "nats-server on port $NATS_PORT" "$DIR/nats.log" nats_answers
  echo "nats-server running (pid $(cat "$NATS_PID"), port $NATS_PORT)"
}

stop_one() {
  local file="$1" name="$2" pid
  if ! pid="$(running_pid "$file" "$name")"; then
    echo "$name not running"
    rm -f "$file"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "$name (pid $pid) did not stop within 10 s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
  echo "$name stopped"
}

status_one() {
  local file="$1" name="$2" pid
  if pid="$(running_pid "$file" "$name")"; then
    echo "$name running (pid $pid)"
  else
    echo "$name stopped"
    return 1
  fi
}

case "$ACTION" in
  start)
    REDIS_CLI="$(find_binary redis-cli)"
    start_redis
    start_nats
    echo "K8TS_TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
    echo "K8TS_TEST_NATS_URL=nats://127.0.0.1:$NATS_PORT"
    ;;
  stop)
    rc=0
    stop_one "$NATS_PID" nats-server || rc=1
    stop_one "$REDIS_PID" redis-server || rc=1
    exit "$rc"
    ;;
  status)
    rc=0
    status_one "$REDIS_PID" redis-server || rc=3
    status_one "$NATS_PID" nats-server || rc=3
    exit "$rc"
    ;;
  *)
    echo "usage: infra/services.sh start|stop|status [--dir DIR] [--redis-port P] [--nats-port P]" >&2
    exit 2
    ;;
esac
