# Shared by scripts/reference-server and scripts/js-server: start a server on a free loopback port in a process
# group of its own, wait for /ok, stop exactly that group, and run a command against it. Sourced, not run.
#
# The sourcing script sets: name (for messages), state (its state folder), startup_seconds, and defines
#   free_port          print a free loopback port
#   answers_ok URL     exit 0 when URL/ok answers 200
#   launch PORT DIR    start the server in the foreground (exec), its working files under DIR

say() { printf '%s: %s\n' "$name" "$*" >&2; }
die() { say "error: $*"; exit 1; }

# Signals the process group led by the pid in DIR/pid, waits for it to go, then removes DIR.
stop_dir() {
    local dir=$1 pid
    pid=$(cat "$dir/pid" 2>/dev/null) || { rm -rf "$dir"; return 0; }
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM -- "-$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.2
        done
        kill -KILL -- "-$pid" 2>/dev/null || true
        # The group may outlive its leader for a moment; give the rest a last chance to go.
        for _ in $(seq 1 25); do
            pgrep -g "$pid" >/dev/null 2>&1 || break
            sleep 0.2
        done
        say "stopped the server on port $(basename "$dir")"
    fi
    rm -rf "$dir"
}

start_server() {
    mkdir -p "$state/servers"
    local attempt port dir pid url
    for attempt in 1 2 3; do
        port=$(free_port)
        dir="$state/servers/$port"
        rm -rf "$dir"
        mkdir -p "$dir"
        # setsid: the server leads a process group of its own, which `stop` signals as a whole.
        (launch "$port" "$dir" </dev/null >"$dir/server.log" 2>&1) &
        pid=$!
        echo "$pid" >"$dir/pid"
        url="http://127.0.0.1:$port"
        local waited=0
        while [ "$waited" -lt $((startup_seconds * 2)) ]; do
            kill -0 "$pid" 2>/dev/null || break
            if answers_ok "$url"; then
                say "up at $url (log: $dir/server.log)"
                echo "$url"
                return 0
            fi
            sleep 0.5
            waited=$((waited + 1))
        done
        if kill -0 "$pid" 2>/dev/null; then
            tail -n 30 "$dir/server.log" >&2 || true
            stop_dir "$dir"
            die "the server did not answer /ok within ${startup_seconds}s"
        fi
        if grep -qi "address already in use\|EADDRINUSE" "$dir/server.log" 2>/dev/null; then
            say "port $port was taken meanwhile; trying another"
            rm -rf "$dir"
            continue
        fi
        tail -n 30 "$dir/server.log" >&2 || true
        rm -rf "$dir"
        die "the server exited during start-up (its last lines are above)"
    done
    die "no free port found after 3 attempts"
}

# With a port: stop that server. Without: every server this script started.
stop_servers() {
    local dir
    if [ $# -gt 0 ]; then
        dir="$state/servers/${1##*:}"
        [ -d "$dir" ] || die "no server started by this script on port ${1##*:}"
        stop_dir "$dir"
        return 0
    fi
    for dir in "$state"/servers/*/; do
        [ -d "$dir" ] && stop_dir "${dir%/}"
    done
    return 0
}

# Starts a server, runs CMD with LANGGRAPH_URL set to it, stops it, and exits with CMD's status.
run_against() {
    [ $# -gt 0 ] || die "usage: $name run CMD [ARGS...]"
    local url
    url=$(start)
    # shellcheck disable=SC2064 # the port is fixed now, on purpose
    trap "stop_servers '${url##*:}'" EXIT
    trap 'exit 130' INT TERM
    local status=0
    LANGGRAPH_URL="$url" "$@" || status=$?
    return "$status"
}
