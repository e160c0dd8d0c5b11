#!/usr/bin/env bash
# ACME issuance speed: mailcert against uacme, lego and certbot on one Debian Pebble, in one run.
#
#   Benchmarks/acme-bench.sh [RUNS]        (builds mailcert in release mode; installs the peers with apt-get as root)
#
# Scenarios: one certificate with 1 name, one with 10 names (medians of RUNS runs, default 5), and renewing 20
# single-name certificates (each tool's own way: mailcert renews them concurrently, the peers one after another).
# Every tool answers http-01 on Pebble's validation port: mailcert, lego and certbot with their built-in responders,
# uacme (which has none) through its hook into a webroot served by python3 -m http.server. Requests are counted
# from Pebble's log. Everything listens on 127.0.0.1 and is stopped by PID at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}

if [ "$(id -u)" -eq 0 ]; then
  missing=()
  for p in pebble uacme lego certbot curl python3; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"; }
fi
swift build -c release --product mailcert >/dev/null
mailcert="$(swift build -c release --show-bin-path)/mailcert"

work=$(mktemp -d /tmp/mailcert-bench.XXXXXX)
pids=()
cleanup() { stop_web 2>/dev/null || true; for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
source scripts/pebble.sh
start_pebble "$work"
dir=$pebble_dir
http_port=$pebble_http_port
web_port=$http_port
cp "$pebble_ca" "$work/tls.pem"

# uacme trusts only the system bundle: give it one with Pebble's root, in a private mount namespace.
cat /etc/ssl/certs/ca-certificates.crt "$work/tls.pem" > "$work/bundle.crt"
mkdir -p "$work/www"
web_pid=
start_web() { python3 -m http.server --bind 127.0.0.1 --directory "$work/www" "$web_port" >"$work/web.log" 2>&1 & web_pid=$!; wait_port "$web_port"; }
stop_web() { [ -n "$web_pid" ] && { kill "$web_pid"; wait "$web_pid" 2>/dev/null || true; web_pid=; }; return 0; }
cat > "$work/uacme-hook.sh" <<HOOK
#!/bin/sh
# uacme hook: METHOD TYPE IDENT TOKEN AUTH; answer http-01 from the webroot, decline the rest.
[ "\$2" = http-01 ] || exit 1
mkdir -p "$work/www/.well-known/acme-challenge"
case "\$1" in
  begin) printf '%s' "\$5" > "$work/www/.well-known/acme-challenge/\$4" ;;
  *) rm -f "$work/www/.well-known/acme-challenge/\$4" ;;
esac
HOOK
chmod +x "$work/uacme-hook.sh"

tool_mailcert() { "$mailcert" request --state-dir "$work/mailcert" --acme --server "$dir" --ca-bundle "$work/tls.pem" \
  --http-address 127.0.0.1 --http-port "$http_port" $(printf -- '-d %s ' "$@") >>"$work/tools.log" 2>&1; }
tool_uacme() { unshare -m sh -c "mount --bind '$work/bundle.crt' /etc/ssl/certs/ca-certificates.crt && \
  uacme -a '$dir' -c '$work/uacme' -h '$work/uacme-hook.sh' -y -f issue $*" >>"$work/tools.log" 2>&1; }
tool_lego() { LEGO_CA_CERTIFICATES="$work/tls.pem" lego --server "$dir" --accept-tos --email bench@example.test \
  --path "$work/lego" --http --http.port "127.0.0.1:$http_port" $(printf -- '--domains %s ' "$@") run >>"$work/tools.log" 2>&1; }
tool_certbot() { REQUESTS_CA_BUNDLE="$work/tls.pem" certbot certonly --standalone --http-01-address 127.0.0.1 \
  --http-01-port "$http_port" --server "$dir" --agree-tos --register-unsafely-without-email --non-interactive \
  --config-dir "$work/certbot" --work-dir "$work/certbot" --logs-dir "$work/certbot" --cert-name "$1" \
  $(printf -- '-d %s ' "$@") >>"$work/tools.log" 2>&1; }

renew_mailcert() { "$mailcert" renew --state-dir "$work/mailcert-renew" --force --concurrency 8 >>"$work/tools.log" 2>&1; }
# mailcert and certbot renew every certificate they hold: the renewal scenario gives them a store of their own,
# holding just its 20 certificates (uacme and lego are told the 20 names).
issue_mailcert_renew() { "$mailcert" request --state-dir "$work/mailcert-renew" --acme --server "$dir" --ca-bundle "$work/tls.pem" \
  --http-address 127.0.0.1 --http-port "$http_port" -d "$1" >>"$work/tools.log" 2>&1; }
renew_uacme() { for n in "$@"; do tool_uacme "$n"; done; }
renew_lego() { for n in "$@"; do LEGO_CA_CERTIFICATES="$work/tls.pem" lego --server "$dir" --accept-tos --email bench@example.test \
  --path "$work/lego" --http --http.port "127.0.0.1:$http_port" --domains "$n" renew --days 100000 --no-random-sleep >>"$work/tools.log" 2>&1; done; }
renew_certbot() { REQUESTS_CA_BUNDLE="$work/tls.pem" certbot renew --force-renewal --no-random-sleep-on-renew --non-interactive --standalone \
  --http-01-address 127.0.0.1 --http-01-port "$http_port" --config-dir "$work/certbot-renew" --work-dir "$work/certbot-renew" \
  --logs-dir "$work/certbot-renew" >>"$work/tools.log" 2>&1; }
issue_certbot_renew() { REQUESTS_CA_BUNDLE="$work/tls.pem" certbot certonly --standalone --http-01-address 127.0.0.1 \
  --http-01-port "$http_port" --server "$dir" --agree-tos --register-unsafely-without-email --non-interactive \
  --config-dir "$work/certbot-renew" --work-dir "$work/certbot-renew" --logs-dir "$work/certbot-renew" -d "$1" >>"$work/tools.log" 2>&1; }

# Runs a command, prints "seconds requests".
measure() {
  local before after start end
  before=$(grep -c 'calling handler' "$pebble_log" || true)
  start=$(date +%s.%N)
  "$@" || { echo "FAILED: $1 (last lines of its output:)" >&2; tail -5 "$work/tools.log" >&2; echo "nan 0"; return; }
  end=$(date +%s.%N)
  after=$(grep -c 'calling handler' "$pebble_log" || true)
  echo "$(echo "$end - $start" | bc -l) $((after - before))"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

declare -A seconds requests
tools=(mailcert uacme lego certbot)
# Warm-up: every tool registers its account once (not timed; uacme needs it made explicitly).
unshare -m sh -c "mount --bind '$work/bundle.crt' /etc/ssl/certs/ca-certificates.crt && uacme -a '$dir' -c '$work/uacme' -y new" >/dev/null 2>&1
# uacme's http-01 port is served by the python webroot server; the others bind it themselves.
for t in "${tools[@]}"; do
  if [ "$t" = uacme ]; then start_web; fi
  "tool_$t" "warm-$t.example.test" || echo "warm-up of $t failed" >&2
  if [ "$t" = uacme ]; then stop_web; fi
done

run_scenario() {  # scenario-name count-of-names
  local scenario=$1 count=$2
  for t in "${tools[@]}"; do
    if [ "$t" = uacme ]; then start_web; fi
    local times=() reqs=()
    for r in $(seq "$runs"); do
      names=(); for i in $(seq "$count"); do names+=("$scenario-$r-$i-$t.example.test"); done
      read -r s q < <(measure "tool_$t" "${names[@]}")
      times+=("$s"); reqs+=("$q")
    done
    seconds[$scenario,$t]=$(printf '%s\n' "${times[@]}" | median)
    requests[$scenario,$t]=$(printf '%s\n' "${reqs[@]}" | median)
    if [ "$t" = uacme ]; then stop_web; fi
  done
}
run_scenario one 1
run_scenario ten 10

for t in "${tools[@]}"; do
  if [ "$t" = uacme ]; then start_web; fi
  issue="tool_$t"
  case "$t" in mailcert) issue=issue_mailcert_renew ;; certbot) issue=issue_certbot_renew ;; esac
  names=(); for i in $(seq 20); do names+=("renew-$i-$t.example.test"); "$issue" "renew-$i-$t.example.test"; done
  read -r s q < <(measure "renew_$t" "${names[@]}")
  seconds[renew20,$t]=$s; requests[renew20,$t]=$q
  if [ "$t" = uacme ]; then stop_web; fi
done

printf '\n%-10s %-9s %10s %9s %14s\n' scenario tool seconds requests "mailcert/peer"
for scenario in one ten renew20; do
  for t in "${tools[@]}"; do
    ratio=$(echo "${seconds[$scenario,mailcert]} / ${seconds[$scenario,$t]}" | bc -l 2>/dev/null || echo nan)
    printf '%-10s %-9s %10.3f %9s %14.2f\n' "$scenario" "$t" "${seconds[$scenario,$t]}" "${requests[$scenario,$t]}" "$ratio"
  done
done
echo "(one, ten: medians of $runs runs; renew20: one forced renewal of 20 certificates; requests counted in Pebble's log)"
