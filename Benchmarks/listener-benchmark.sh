#!/usr/bin/env bash
# STARTTLS listener benchmark: `mailcert serve` against a private Debian Postfix, both on 127.0.0.1, serving the
# same ECDSA P-256 certificate from the same mailcert store, in one run.
#
#   Benchmarks/listener-benchmark.sh            (or `make bench`; installs postfix with apt-get as root)
#
# For each server:
#   1. throughput: Benchmarks/smtp-load/loadgen at 1, 8 and 64 clients, each a full STARTTLS session with a
#      TLS 1.3 handshake without resumption, back to back (sessions/s, p50/p99 latency, failures, and the
#      server's CPU per session);
#   2. reload under load: 100 switches of the store's current/ symlink (the store's own way: one rename) while
#      64 clients run, every ~100 ms; Postfix gets a `postfix reload` after each, as an administrator would;
#   3. memory, on a freshly started server: PSS of all its processes before and while IDLE_CONNECTIONS (1000)
#      connections that only read the banner are held open, per connection.
# Then a table of both, with the ratios to Postfix.
#
# Environment: MAILCERT (a built binary; default: build release), SERVERS ("mailcert postfix"), LOAD_SECONDS (10),
# WARMUP_SECONDS (2), CLIENT_COUNTS ("1 8 64"), IDLE_CONNECTIONS (1000), IDLE_HOLD_SECONDS (15), SWITCHES (100),
# KEEP_WORK=1 keeps the temporary directory (logs, records) for a look afterwards.
#
# Everything listens on 127.0.0.1 and is stopped by PID at the end, also on failure. A system Postfix, if there is
# one, is not touched: the benchmark's instance has its own configuration, queue and data directories and port.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
bench=Benchmarks/smtp-load

servers=${SERVERS:-mailcert postfix}
load_seconds=${LOAD_SECONDS:-10}
warmup_seconds=${WARMUP_SECONDS:-2}
client_counts=${CLIENT_COUNTS:-1 8 64}
idle_connections=${IDLE_CONNECTIONS:-1000}
idle_hold=${IDLE_HOLD_SECONDS:-15}
switch_count=${SWITCHES:-100}
reload_clients=64
hostname=bench.mx.test
began=$SECONDS

say() { printf '\n==> %s\n' "$*"; }
fail() { echo "listener-benchmark: $*" >&2; exit 1; }

# --- Prerequisites -------------------------------------------------------------------------------------------
if ! dpkg-query -W -f='${Status}' postfix 2>/dev/null | grep -q "install ok installed"; then
  [ "$(id -u)" -eq 0 ] || fail "postfix is not installed; run: sudo apt-get install -y postfix"
  say "Installing postfix (no configuration: the system's mail setup is left as it is)"
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q postfix
fi
for tool in cc openssl python3 postfix; do command -v "$tool" >/dev/null || fail "$tool is missing"; done
[ -x /usr/bin/python3 ] || fail "/usr/bin/python3 is missing"
py=/usr/bin/python3

if [ -z "${MAILCERT:-}" ]; then
  swift build -c release --product mailcert >/dev/null
  MAILCERT="$(swift build -c release --show-bin-path)/mailcert"
fi
mailcert=$MAILCERT
[ -x "$mailcert" ] || fail "no mailcert binary at $mailcert"

# A thousand idle connections need a thousand descriptors on each side.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge $((idle_connections + 100)) ] ||
  fail "the open-file limit $(ulimit -n) is too low for $idle_connections connections"

# --- Work directory and cleanup ------------------------------------------------------------------------------
work=$(mktemp -d /tmp/mailcert-listener-bench.XXXXXX)
chmod 755 "$work" # Postfix's daemons run as user postfix and must reach their data directory inside it
results=$work/results
mkdir -p "$results"
mailcert_pid=
postfix_conf=
postfix_snapshot=
loadgen_pids=()

stop_mailcert() {
  [ -n "$mailcert_pid" ] || return 0
  kill -TERM "$mailcert_pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$mailcert_pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$mailcert_pid" 2>/dev/null; then
    echo "listener-benchmark: mailcert serve did not stop on SIGTERM within 10 s; killing it" >&2
    kill -KILL "$mailcert_pid" 2>/dev/null || true
  fi
  wait "$mailcert_pid" 2>/dev/null || true
  mailcert_pid=
}

stop_postfix() {
  [ -n "$postfix_conf" ] || return 0
  local master
  master=$(postfix_master_pid)
  [ -n "$master" ] && postfix_snapshot=$($py "$bench/procstat.py" --snapshot "$master" "$postfix_conf")
  postfix -c "$postfix_conf" stop >/dev/null 2>&1 || true
  if [ -n "$master" ]; then
    for _ in $(seq 100); do kill -0 "$master" 2>/dev/null || break; sleep 0.1; done
    # The master takes its children down with it; anything left (or a master that would not go) is killed.
    # shellcheck disable=SC2086
    $py "$bench/procstat.py" --kill-survivors $postfix_snapshot
  fi
  postfix_conf=
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  set +e
  for pid in "${loadgen_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  stop_mailcert
  stop_postfix
  if [ -n "${KEEP_WORK:-}" ]; then echo "listener-benchmark: kept $work"; else rm -rf "$work"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- Helpers -------------------------------------------------------------------------------------------------
free_port() { $py -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Waits until PORT accepts connections, as long as PID lives.
wait_port() {
  local port=$1 pid=$2
  for _ in $(seq 300); do
    kill -0 "$pid" 2>/dev/null || return 1
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

fingerprint() { openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'; }

# The SHA-256 of the leaf a server hands out after STARTTLS, as an independent client (openssl) sees it.
served_fingerprint() {
  timeout 20 openssl s_client -starttls smtp -connect "127.0.0.1:$1" -tls1_3 </dev/null 2>/dev/null |
    openssl x509 -noout -fingerprint -sha256 2>/dev/null | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'
}

# kv FILE KEY: the value of KEY=... in a key=value line of FILE.
kv() { grep -o "\b$2=[^ ]*" "$1" | head -n1 | cut -d= -f2; }

# Points the store's current/ at versions/K the way the store does: a new symlink renamed over the old one.
# Prints the CLOCK_REALTIME ns taken just before the rename.
switch_current() {
  local k=$1 now
  ln -s "versions/$k" "$certdir/current.tmp"
  now=${EPOCHREALTIME/[.,]/}
  mv -T "$certdir/current.tmp" "$certdir/current"
  echo "${now}000"
}

# The server's processes as procstat.py sees them: "processes=N pss_kib=K cpu_s=S".
server_stat() {
  case $1 in
    mailcert) $py "$bench/procstat.py" "$mailcert_pid" ;;
    postfix) $py "$bench/procstat.py" "$(postfix_master_pid)" "$postfix_conf" ;;
  esac
}

server_alive() {
  case $1 in
    mailcert) kill -0 "$mailcert_pid" 2>/dev/null ;;
    postfix) local m; m=$(postfix_master_pid); [ -n "$m" ] && kill -0 "$m" 2>/dev/null ;;
  esac
}

postfix_master_pid() { tr -d ' \n' <"$work/postfix/queue/pid/master.pid" 2>/dev/null || true; }

# --- The load generator and the certificates ----------------------------------------------------------------
say "Building the load generator"
cc -O2 -Wall -o "$work/loadgen" "$bench/loadgen.c" -lssl -lcrypto -lpthread
loadgen=$work/loadgen

say "Certificates: one ECDSA P-256 self-signed certificate, then $switch_count more versions for the reload test"
state=$work/state
"$mailcert" request --state-dir "$state" -d "$hostname" --self-signed --key-type ecdsa-p256 >"$work/request.log"
certdir=$state/certs/$hostname
cert=$certdir/current
[ -L "$cert" ] && [ -f "$cert/fullchain.pem" ] && [ -f "$cert/key.pem" ] || fail "mailcert request made no $cert/"
initial_version=$(basename "$(readlink "$cert")")
for _ in $(seq "$switch_count"); do
  "$mailcert" request --state-dir "$state" -d "$hostname" --self-signed --key-type ecdsa-p256 --force >>"$work/request.log"
done
: >"$work/fingerprints"
versions=()
for dir in "$certdir"/versions/*/; do
  v=$(basename "$dir")
  echo "$v $(fingerprint "$dir/fullchain.pem")" >>"$work/fingerprints"
  [ "$v" = "$initial_version" ] || versions+=("$v")
done
mapfile -t versions < <(printf '%s\n' "${versions[@]}" | sort -n)
[ ${#versions[@]} -ge "$switch_count" ] || fail "expected $switch_count extra versions, found ${#versions[@]}"
# Both servers start on the first version; the reload test walks through the others.
switch_current "$initial_version" >/dev/null
initial_fp=$(awk -v v="$initial_version" '$1 == v { print $2 }' "$work/fingerprints")
echo "version $initial_version in service, leaf sha256 $initial_fp; versions ${versions[0]}..${versions[-1]} ready"

# --- Servers -------------------------------------------------------------------------------------------------
start_mailcert() {
  local help port
  help=$("$mailcert" serve --help 2>&1) || true
  # An unknown subcommand makes the argument parser print the top-level help, so look for serve's own usage.
  if ! grep -q "mailcert serve" <<<"$help"; then
    echo "SKIPPED: this mailcert has no 'serve' command yet ('mailcert serve --help' does not describe one)"
    return 1
  fi
  local state_opt=()
  grep -q -- "--state-dir" <<<"$help" && state_opt=(--state-dir "$state")
  port=$(free_port)
  mkdir -p "$work/maildir"
  MAILCERT_STATE_DIR=$state "$mailcert" serve "${state_opt[@]}" --listen "127.0.0.1:$port" --hostname "$hostname" \
    --cert "$hostname" --maildir "$work/maildir" --max-connections 5000 --max-connections-per-ip 5000 \
    2>"$work/mailcert-serve.log" &
  mailcert_pid=$!
  if ! wait_port "$port" "$mailcert_pid"; then
    echo "FAILED: mailcert serve did not accept connections on 127.0.0.1:$port; its log ends:"
    tail -n 20 "$work/mailcert-serve.log" | sed 's/^/  /'
    stop_mailcert
    return 1
  fi
  server_port=$port
}

start_postfix() {
  local dir=$work/postfix port
  port=$(free_port)
  mkdir -p "$dir/conf" "$dir/queue" "$dir/data"
  chown postfix:postfix "$dir/data"
  chmod 700 "$dir/data"
  cat >"$dir/conf/main.cf" <<EOF
# A private instance for the benchmark: its own configuration, queue, data directory, log and port.
compatibility_level = 3.6
queue_directory = $dir/queue
data_directory = $dir/data
maillog_file = $dir/maillog
maillog_file_prefixes = $dir
mail_owner = postfix
setgid_group = postdrop
myhostname = $hostname
mydestination =
alias_maps =
alias_database =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
# The same files mailcert serves: the stable current/ paths of the store.
smtpd_tls_chain_files = $cert/key.pem, $cert/fullchain.pem
smtpd_tls_security_level = may
# One smtpd process per connection: room for the 1000 idle connections and the 64 clients.
default_process_limit = 1200
# anvil's per-client limits would throttle a load generator that comes from one address.
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
smtpd_client_message_rate_limit = 0
smtpd_client_recipient_rate_limit = 0
smtpd_client_new_tls_session_rate_limit = 0
smtpd_client_auth_rate_limit = 0
# The instance only answers sessions. Nothing it might queue (a postmaster notice) is delivered anywhere, and no
# name is looked up in DNS: this machine may reach no address but its own.
smtpd_peername_lookup = no
notify_classes =
default_transport = error:the benchmark instance delivers nothing
relay_transport = error:the benchmark instance delivers nothing
local_transport = error:the benchmark instance delivers nothing
EOF
  # Debian's master.cf with the smtp service moved to our port, and no chroot (a chroot would need a copy of
  # /etc in the private queue directory; smtpd reads its certificate before it would enter one anyway).
  awk -v listen="127.0.0.1:$port" '
    /^[^#[:space:]]/ && NF >= 8 { if ($1 == "smtp" && $2 == "inet") $1 = listen; $5 = "n" }
    { print }' /etc/postfix/master.cf >"$dir/conf/master.cf"
  grep -q "^127.0.0.1:$port inet" "$dir/conf/master.cf" || fail "no smtp inet service in /etc/postfix/master.cf"
  postfix_conf=$dir/conf
  if ! postfix -c "$postfix_conf" check || ! postfix -c "$postfix_conf" start >/dev/null; then
    echo "FAILED: postfix did not start; its log ends:"
    tail -n 20 "$dir/maillog" 2>/dev/null | sed 's/^/  /'
    stop_postfix
    return 1
  fi
  local master=
  for _ in $(seq 100); do master=$(postfix_master_pid); [ -n "$master" ] && break; sleep 0.1; done
  if [ -z "$master" ] || ! wait_port "$port" "$master"; then
    echo "FAILED: postfix did not accept connections on 127.0.0.1:$port"
    stop_postfix
    return 1
  fi
  server_port=$port
}

# --- The measurements ----------------------------------------------------------------------------------------
measure_idle() {
  local server=$1 before during out=$work/$1-idle.out n
  sleep 1
  before=$(server_stat "$server")
  "$loadgen" --port "$server_port" --idle "$idle_connections" --hold "$idle_hold" >"$out" 2>&1 &
  local pid=$!
  loadgen_pids+=("$pid")
  for _ in $(seq 1200); do
    grep -q '^idle ' "$out" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if ! grep -q '^idle ' "$out"; then
    echo "  idle connections: the load generator gave up: $(cat "$out")"
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    return 0
  fi
  sleep 2 # let the server settle (Postfix forks a process per connection)
  during=$(server_stat "$server")
  wait "$pid" || true
  n=$(awk '/^idle / { print $2 }' "$out")
  local b d
  b=$(echo "$before" | grep -o 'pss_kib=[0-9]*' | cut -d= -f2)
  d=$(echo "$during" | grep -o 'pss_kib=[0-9]*' | cut -d= -f2)
  local per=nan
  [ "$n" -gt 0 ] && per=$(awk -v b="$b" -v d="$d" -v n="$n" 'BEGIN { printf "%.1f", (d - b) / n }')
  echo "idle=$n wanted=$idle_connections pss_before_kib=$b pss_during_kib=$d per_connection_kib=$per" >"$results/$server-idle"
  echo "  $(cat "$out")"
  echo "  PSS before: $before"
  echo "  PSS during: $during"
  echo "  => $per KiB per idle connection"
}

# CPU time the whole machine has been busy since boot, in seconds (/proc/stat: user, nice, system, irq, softirq).
machine_busy() { awk -v tick="$(getconf CLK_TCK)" '/^cpu / { printf "%.2f", ($2 + $3 + $4 + $7 + $8) / tick }' /proc/stat; }

measure_load() {
  local server=$1 clients=$2 out=$work/$1-load-$2.out cpu0 cpu1 busy0 busy1
  "$loadgen" --port "$server_port" --clients "$clients" --duration "$load_seconds" --warmup "$warmup_seconds" \
    >"$out" 2>&1 &
  local pid=$!
  loadgen_pids+=("$pid")
  # The server's CPU over the counted window (after the warm-up), per counted session; and what else kept the
  # machine busy meanwhile (other programs, the kernel's loopback traffic), as a check on the figures.
  sleep "$warmup_seconds"
  cpu0=$(server_stat "$server" | grep -o 'cpu_s=[0-9.]*' | cut -d= -f2)
  busy0=$(machine_busy)
  wait "$pid" || { echo "  loadgen failed: $(cat "$out")"; return 0; }
  cpu1=$(server_stat "$server" | grep -o 'cpu_s=[0-9.]*' | cut -d= -f2)
  busy1=$(machine_busy)
  local figures
  figures=$(awk -v a="$cpu0" -v b="$cpu1" -v m0="$busy0" -v m1="$busy1" -v n="$(kv "$out" sessions)" \
    -v client="$(kv "$out" client_cpu_ms)" -v t="$(kv "$out" seconds)" 'BEGIN {
      server = b - a
      printf("server_cpu_ms=%.3f other_cores=%.2f", (n > 0) ? server * 1000 / n : 0,
             (t > 0) ? (m1 - m0 - server - client * n / 1000) / t : 0)
    }')
  echo "$(head -n1 "$out") $figures" >"$results/$server-load-$clients"
  echo "  $(tail -n1 "$out")"
  echo "  server CPU $(kv "$results/$server-load-$clients" server_cpu_ms) ms/session;" \
    "everything else on the machine: $(kv "$results/$server-load-$clients" other_cores) cores"
}

measure_reload() {
  local server=$1 out=$work/$1-reload.out records=$work/$1-reload.records switches=$work/$1-switches
  # Longer than the switches can take; the load generator is stopped with SIGTERM once they are done.
  "$loadgen" --port "$server_port" --clients "$reload_clients" --duration 600 --records "$records" >"$out" 2>&1 &
  local pid=$!
  loadgen_pids+=("$pid")
  sleep 2
  : >"$switches"
  local i v
  for ((i = 0; i < switch_count; i++)); do
    v=${versions[i]}
    echo "$(switch_current "$v") $v" >>"$switches"
    if [ "$server" = postfix ] && ! postfix -c "$postfix_conf" reload >/dev/null 2>&1; then
      echo "  postfix reload failed at switch $((i + 1))"
    fi
    sleep 0.1
  done
  sleep 2 # the last switch needs sessions after it too
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" || true
  echo "  $(tail -n1 "$out")"
  $py "$bench/reload_report.py" "$records" "$switches" "$work/fingerprints" "$initial_version" >"$work/$server-reload.report"
  head -n1 "$work/$server-reload.report" >"$results/$server-reload"
  tail -n +2 "$work/$server-reload.report"
  # The other server starts from the same certificate.
  switch_current "$initial_version" >/dev/null
}

# Starts SERVER and checks, with openssl as an independent client, that it serves the store's certificate.
launch() {
  local server=$1 served
  server_port=
  "start_$server" || return 1
  served=$(served_fingerprint "$server_port")
  if [ "$served" != "$initial_fp" ]; then
    echo "FAILED: $server serves leaf sha256 '${served:-nothing}', not the store's $initial_fp"
    "stop_$server"
    return 1
  fi
  echo "listening on 127.0.0.1:$server_port, serving the store's certificate; $(server_stat "$server")"
}

run_server() {
  local server=$1
  say "$server"
  if ! launch "$server"; then echo "$server" >"$results/$server-skipped"; return 0; fi
  for clients in $client_counts; do
    server_alive "$server" || { echo "FAILED: $server is gone"; break; }
    echo "-- $clients client(s), ${load_seconds} s after ${warmup_seconds} s of warm-up"
    measure_load "$server" "$clients"
  done
  if server_alive "$server"; then
    echo "-- reload under load: $switch_count switches of current/ while $reload_clients clients run" \
      "$([ "$server" = postfix ] && echo "(each followed by postfix reload)")"
    measure_reload "$server"
  fi
  server_alive "$server" || echo "FAILED: $server is gone"
  "stop_$server"

  # Memory on a fresh server: after the load, Postfix keeps idle smtpd processes for max_idle (100 s), which the
  # idle connections would reuse, and a heap that has grown makes new connections look cheaper than they are.
  echo "-- $idle_connections idle connections, held ${idle_hold} s, on a freshly started $server"
  launch "$server" || return 0
  measure_idle "$server"
  server_alive "$server" || echo "FAILED: $server is gone"
  "stop_$server"
}

for server in $servers; do
  case $server in mailcert | postfix) run_server "$server" ;; *) fail "unknown server $server" ;; esac
done

# --- The table -----------------------------------------------------------------------------------------------
num() { [ -f "$1" ] && kv "$1" "$2" || echo "-"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b + 0 == 0) print "-"; else printf "%.3gx", a / b }'; }

say "Results ($(nproc) cores; the load generator runs on the same cores as the server)"
printf '%-9s %7s %11s %9s %9s %9s %11s %11s %7s\n' server clients sessions/s "p50 ms" "p99 ms" failures \
  "server CPU" "client CPU" other
for server in $servers; do
  if [ -f "$results/$server-skipped" ]; then printf '%-9s %7s\n' "$server" "skipped"; continue; fi
  for clients in $client_counts; do
    f=$results/$server-load-$clients
    printf '%-9s %7s %11s %9s %9s %9s %11s %11s %7s\n' "$server" "$clients" "$(num "$f" sessions_per_s)" \
      "$(num "$f" p50_ms)" "$(num "$f" p99_ms)" "$(num "$f" failed)" "$(num "$f" server_cpu_ms)" \
      "$(num "$f" client_cpu_ms)" "$(num "$f" other_cores)"
  done
done
echo "(server/client CPU: ms of CPU time per session; other: cores busy with anything else meanwhile, the kernel's"
echo " loopback traffic included: more than ~0.2 means something else was running and the figures are off)"

echo
echo "mailcert / Postfix, sessions/s:"
for clients in $client_counts; do
  printf '  %3s clients: %s\n' "$clients" \
    "$(ratio "$(num "$results/mailcert-load-$clients" sessions_per_s)" "$(num "$results/postfix-load-$clients" sessions_per_s)")"
done
echo "mailcert / Postfix, server CPU per session (lower is better):"
for clients in $client_counts; do
  printf '  %3s clients: %s\n' "$clients" \
    "$(ratio "$(num "$results/mailcert-load-$clients" server_cpu_ms)" "$(num "$results/postfix-load-$clients" server_cpu_ms)")"
done

echo
echo "Memory per idle connection ($idle_connections connections, PSS of all the server's processes):"
for server in $servers; do
  f=$results/$server-idle
  [ -f "$f" ] && printf '  %-9s %8s KiB  (%s of %s connections open)\n' "$server" "$(kv "$f" per_connection_kib)" \
    "$(kv "$f" idle)" "$(kv "$f" wanted)"
done
printf '  mailcert / Postfix: %s\n' \
  "$(ratio "$(num "$results/mailcert-idle" per_connection_kib)" "$(num "$results/postfix-idle" per_connection_kib)")"

echo
echo "Reload under load ($switch_count switches, $reload_clients clients):"
printf '  %-9s %9s %9s %13s %12s %10s %10s\n' server sessions failed "median delay" "max delay" "never" "stale"
for server in $servers; do
  f=$results/$server-reload
  [ -f "$f" ] && printf '  %-9s %9s %9s %10s ms %9s ms %10s %10s\n' "$server" "$(kv "$f" sessions)" \
    "$(kv "$f" failed)" "$(kv "$f" delay_median_ms)" "$(kv "$f" delay_max_ms)" "$(kv "$f" never_served)" \
    "$(kv "$f" stale)"
done
echo "  (delay: from the rename of current/ to the end of the first session that got the new leaf; never: switches"
echo "   whose certificate no session got; stale: sessions started > 50 ms after a switch that got an older leaf)"

echo
echo "Targets for mailcert: >= 3x Postfix's sessions/s at 64 clients with a p99 no worse; <= 64 KiB per idle"
echo "connection; 0 failed sessions across $switch_count reloads and the new certificate served within 50 ms."
echo "Benchmark took $((SECONDS - began)) s."
