# Sourced by the bench scripts (not run on its own).
#
# dev_server BIN PORT [VAR=VALUE...]: starts `BIN server --dev` on
# 127.0.0.1:PORT (plain HTTP, root token `bench`, durable audit) with a
# fresh data directory and the given environment (KEYHOLD_BENCH_NO_AUDIT
# only when given), waits until it serves (60 s at most), and sets DEV_PID
# and DEV_DATA. A server that does not come up is stopped and its data
# removed, and dev_server fails. stop_dev_server stops it and removes the
# data directory; callers trap it on EXIT.
dev_server() {
  local bin=$1 port=$2
  shift 2
  DEV_DATA=$(mktemp -d)
  env -u KEYHOLD_BENCH_NO_AUDIT "$@" "$bin" server --dev --listen "127.0.0.1:$port" \
    --data-dir "$DEV_DATA" --dev-root-token bench --log warn > "$DEV_DATA/out" 2>&1 &
  DEV_PID=$!
  for _ in $(seq 600); do
    grep -q KEYHOLD_ADDR "$DEV_DATA/out" 2>/dev/null && return 0
    kill -0 "$DEV_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "the server on port $port did not start:" >&2
  cat "$DEV_DATA/out" >&2
  stop_dev_server
  return 1
}

stop_dev_server() {
  [ -n "${DEV_PID:-}" ] && kill "$DEV_PID" 2>/dev/null && wait "$DEV_PID" 2>/dev/null
  [ -n "${DEV_DATA:-}" ] && rm -rf "$DEV_DATA"
  DEV_PID= DEV_DATA=
}
