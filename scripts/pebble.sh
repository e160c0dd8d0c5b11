# Sourced by scripts/demo.sh and Benchmarks/acme-bench.sh: a local ACME CA on 127.0.0.1.
#
# start_pebble DIR  starts Debian's pebble-challtestsrv (its DNS, answering every name with 127.0.0.1 and no AAAA,
# since Pebble dials the AAAA answer first) and pebble with validation sleeps off, on ports picked here, and sets:
#   pebble_dir (directory URL)  pebble_ca (its HTTPS root, for --ca-bundle)  pebble_http_port (where it validates
#   http-01)  pebble_mgmt_port (management API: /roots/N)  pebble_log
# It appends both PIDs to the caller's `pids` array; the caller kills them on exit.

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() {
  for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done
  echo "nothing listens on 127.0.0.1:$1" >&2
  return 1
}

start_pebble() {
  local dir=$1 acme_port dns_port cts_port
  acme_port=$(port); pebble_mgmt_port=$(port); pebble_http_port=$(port); dns_port=$(port); cts_port=$(port)
  pebble_ca="$dir/pebble-tls.pem"
  pebble_log="$dir/pebble.log"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$dir/pebble-tls.key" -out "$pebble_ca" \
    -days 2 -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
  cat > "$dir/pebble.json" <<JSON
{"pebble": {"listenAddress": "127.0.0.1:$acme_port", "managementListenAddress": "127.0.0.1:$pebble_mgmt_port",
 "certificate": "$pebble_ca", "privateKey": "$dir/pebble-tls.key", "httpPort": $pebble_http_port, "tlsPort": $(port),
 "ocspResponderURL": "", "externalAccountBindingRequired": false}}
JSON
  pebble-challtestsrv -defaultIPv4 127.0.0.1 -defaultIPv6 "" -dns01 "127.0.0.1:$dns_port" -http01 "" -https01 "" \
    -tlsalpn01 "" -management "127.0.0.1:$cts_port" >"$dir/challtestsrv.log" 2>&1 &
  pids+=($!)
  wait_port "$cts_port" || return 1
  PEBBLE_VA_NOSLEEP=1 pebble -config "$dir/pebble.json" -dnsserver "127.0.0.1:$dns_port" >"$pebble_log" 2>&1 &
  pids+=($!)
  wait_port "$acme_port" || { cat "$pebble_log" >&2; return 1; }
  pebble_dir="https://127.0.0.1:$acme_port/dir"
}
