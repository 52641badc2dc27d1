# Sourced by the bench scripts (not run on its own).
#
# dev_server BIN PORT [VAR=VALUE...]: starts `BIN server --dev` on
# 127.0.0.1:PORT (plain HTTP, root token `bench`, durable audit) with a
# fresh data directory and the given environment, waits until it serves,
# and sets DEV_PID and DEV_DATA. stop_dev_server stops it and removes the
# data directory.
dev_server() {
  local bin=$1 port=$2
  shift 2
  DEV_DATA=$(mktemp -d)
  env "$@" "$bin" server --dev --listen "127.0.0.1:$port" --data-dir "$DEV_DATA" \
    --dev-root-token bench --log warn > "$DEV_DATA/out" 2>&1 &
  DEV_PID=$!
  for _ in $(seq 100); do
    grep -q KEYHOLD_ADDR "$DEV_DATA/out" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "the server did not start:" >&2
  cat "$DEV_DATA/out" >&2
  return 1
}

stop_dev_server() {
  kill "$DEV_PID" 2>/dev/null
  wait "$DEV_PID" 2>/dev/null
  rm -rf "$DEV_DATA"
}
