#!/usr/bin/env bash
# The main job, end to end, in a temporary state directory on loopback:
#   1. a self-signed fallback for a host that has nothing yet;
#   2. a CA-signed certificate over ACME from a local Pebble CA (http-01 on 127.0.0.1), replacing the fallback;
#   3. a CSR for a corporate CA, answered by a throwaway CA made here with openssl, and imported;
#   4. the inventory (table and JSON), and the refusal to let a fallback replace a CA-signed certificate;
#   5. renewal: nothing is due; then a forced renewal of every ACME certificate;
#   6. a PKCS#12 export, read back by openssl;
#   7. the certificates in service, served by openssl s_server on 127.0.0.1 straight from the store's stable
#      current/ paths, and verified by openssl s_client against their CAs;
#   8. mailcert check: a stored certificate locally; then a real STARTTLS SMTP server (aiosmtpd) serving mx1
#      from current/, checked over the wire with the DANE record 'mailcert tlsa' prints; then every MX of
#      example.test, looked up in a local dnsmasq, as a monitoring probe would;
#   9. the renewal timer rendered into a staging root and checked by systemd-analyze verify;
#  10. mailcert's own STARTTLS listener (mailcert serve) on 127.0.0.1: mx1 bound to it with 'enable' (checked,
#      then proven over the wire), checked again with 'check --connect', mail delivered by swaks into a Maildir,
#      then a forced ACME renewal while it runs (proven by renew itself) and the new certificate served without a
#      restart; its systemd unit staged and verified.
set -euo pipefail
mailcert=${1:?usage: demo.sh PATH-TO-MAILCERT}
work=$(mktemp -d /tmp/mailcert-demo.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
export MAILCERT_STATE_DIR="$work/state"
step() { printf '\n==> %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
# A local ACME CA: Debian's Pebble (see scripts/pebble.sh).
source "$(dirname "$0")/pebble.sh"
start_pebble "$work" || { echo "demo: Pebble did not start" >&2; exit 1; }
acme=(--acme --server "$pebble_dir" --ca-bundle "$pebble_ca" --http-address 127.0.0.1 --http-port "$pebble_http_port")

step "1. A self-signed fallback, so mx1 is never without a certificate"
run "$mailcert" request -d mx1.example.test -d mail.example.test --self-signed --days 30

step "2. A CA-signed certificate over ACME from the local Pebble CA; it replaces the fallback"
run "$mailcert" request -d mx1.example.test -d mail.example.test "${acme[@]}" --email postmaster@example.test

step "3. A CSR for the corporate CA (the key stays pending in the store)"
run "$mailcert" request -d mx2.example.test --name mx2 --key-type rsa3072 --csr-out "$work/mx2.csr"
openssl req -in "$work/mx2.csr" -noout -verify 2>&1 | sed 's/^/   openssl: /'

step "   ...the CA (a throwaway one made with openssl) answers"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/ca.key" -out "$work/ca.pem" -days 30 \
  -subj "/CN=Demo Corporate CA" -addext basicConstraints=critical,CA:TRUE 2>/dev/null
printf 'basicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n' > "$work/leaf.ext"
openssl x509 -req -in "$work/mx2.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -set_serial 4242 -days 90 \
  -copy_extensions copy -extfile "$work/leaf.ext" -out "$work/mx2.crt" 2>/dev/null
run "$mailcert" import --name mx2 "$work/mx2.crt" --chain "$work/ca.pem"

step "4. The inventory"
run "$mailcert" list
echo "\$ $mailcert list --json"
"$mailcert" list --json > "$work/list.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("   JSON:", ", ".join(c["name"]+"="+c["status"] for c in d["certificates"]))' "$work/list.json"

step "   A fallback must not replace a valid CA-signed certificate (expected to be refused):"
if "$mailcert" request -d mx2.example.test --name mx2 --self-signed; then
  echo "demo: the self-signed request should have been refused" >&2
  exit 1
fi

step "5. Renewal: nothing is due yet; then every ACME certificate, forced"
run "$mailcert" renew --no-random-sleep
run "$mailcert" renew --force

step "6. PKCS#12 export for Windows/Exchange, read back by openssl"
printf 'demo-password\n' > "$work/pass.txt"
run "$mailcert" export --name mx2 --pkcs12 "$work/mx2.pfx" --password-file "$work/pass.txt"
openssl pkcs12 -info -noout -in "$work/mx2.pfx" -passin file:"$work/pass.txt" 2>&1 | sed 's/^/   openssl: /'

step "7. Served on 127.0.0.1 from STATE/certs/NAME/current/, verified by openssl s_client against each CA"
curl -sS --fail --cacert "$pebble_ca" "https://127.0.0.1:$pebble_mgmt_port/roots/0" > "$work/pebble-root.pem"
serve_and_verify() {  # NAME HOSTNAME CA-FILE
  local current="$MAILCERT_STATE_DIR/certs/$1/current" tls_port
  tls_port=$(port)
  openssl s_server -quiet -accept "127.0.0.1:$tls_port" -cert "$current/cert.pem" -key "$current/key.pem" \
    -cert_chain "$current/chain.pem" >/dev/null 2>&1 </dev/null &
  pids+=($!)
  wait_port "$tls_port"
  local result
  result=$(echo | openssl s_client -connect "127.0.0.1:$tls_port" -servername "$2" -verify_hostname "$2" \
    -CAfile "$3" -verify_return_error 2>&1 || true)
  echo "$result" | grep -E "^(subject|issuer)=|Verify return code" | sed "s/^/   $1: /"
  echo "$result" | grep -q "Verify return code: 0 (ok)" || { echo "demo: $1 as served did not verify" >&2; exit 1; }
}
serve_and_verify mx1.example.test mail.example.test "$work/pebble-root.pem"
serve_and_verify mx2 mx2.example.test "$work/ca.pem"

step "8. Checks: locally, over STARTTLS with DANE, and every MX of a domain"
run "$mailcert" check --name mx2 --hostname mx2.example.test --ca-bundle "$work/ca.pem"
smtp_port=$(port)
current="$MAILCERT_STATE_DIR/certs/mx1.example.test/current"
/usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$smtp_port" --tlscert "$current/fullchain.pem" \
  --tlskey "$current/key.pem" --no-requiretls >"$work/aiosmtpd.log" 2>&1 &
pids+=($!)
wait_port "$smtp_port"
run "$mailcert" tlsa --name mx1.example.test --port "$smtp_port"
record=$("$mailcert" tlsa --name mx1.example.test --json | sed -n 's/.*"data" : "\([0-9A-F]*\)".*/\1/p' | head -1)
run "$mailcert" check --connect "127.0.0.1:$smtp_port" --hostname mx1.example.test --ca-bundle "$work/pebble-root.pem" \
  --tlsa "3 1 1 $record"
dns_port=$(port)
/usr/sbin/dnsmasq --keep-in-foreground --conf-file=/dev/null --pid-file --no-resolv --no-hosts \
  --listen-address=127.0.0.1 --bind-interfaces --port="$dns_port" --local=/test/ \
  --mx-host=example.test,mx1.example.test,10 --host-record=mx1.example.test,127.0.0.1 >"$work/dnsmasq.log" 2>&1 &
pids+=($!)
wait_port "$dns_port"
run "$mailcert" check --domain example.test --resolver "127.0.0.1:$dns_port" --port "$smtp_port" \
  --ca-bundle "$work/pebble-root.pem"

step "9. The renewal timer, staged under a root directory and checked by systemd"
run "$mailcert" timer install --root "$work/root"
run systemd-analyze verify "$work/root/etc/systemd/system/mailcert-renew.service" \
  "$work/root/etc/systemd/system/mailcert-renew.timer"
sed -n '/^\[Timer\]/,$p' "$work/root/etc/systemd/system/mailcert-renew.timer"

step "10. mailcert serve: the bundled STARTTLS listener, reloaded by a renewal with no restart"
serve_port=$(port)
cat >"$work/serve.toml" <<TOML
listen = ["127.0.0.1:$serve_port"]
hostname = "mx1.example.test"
maildir = "$work/Maildir"
TOML
"$mailcert" serve --config "$work/serve.toml" >"$work/serve.log" 2>&1 &
serve_pid=$!
pids+=("$serve_pid")
wait_port "$serve_port"
echo "the listener starts with no certificate (no STARTTLS); enable binds mx1 to smtp, checks it, and proves it served:"
run "$mailcert" enable --name mx1.example.test --service smtp --hostname mx1.example.test \
  --ca-bundle "$work/pebble-root.pem" --connect "127.0.0.1:$serve_port"
served() {
  openssl s_client -starttls smtp -connect "127.0.0.1:$serve_port" -servername mx1.example.test </dev/null 2>/dev/null |
    openssl x509 -noout -fingerprint -sha256 | cut -d= -f2
}
run "$mailcert" check --connect "127.0.0.1:$serve_port" --hostname mx1.example.test --ca-bundle "$work/pebble-root.pem"
run swaks --silent 2 --server "127.0.0.1:$serve_port" --tls --from alice@client.test --to postmaster@example.test \
  --header "Subject: hello from the demo"
echo "delivered into the Maildir, with its trace header:"
sed -n '1,/^$/p' "$work"/Maildir/new/* | grep -A3 '^Received:'
before=$(served)
run "$mailcert" renew --name mx1.example.test --force --no-random-sleep
after=$(served)
for _ in $(seq 50); do [ "$after" != "$before" ] && break; sleep 0.1; after=$(served); done
echo "served before the renewal: $before"
echo "served after the renewal:  $after   (same process, pid $serve_pid, no restart)"
[ "$after" != "$before" ] || { echo "demo: the listener did not pick up the renewal" >&2; cat "$work/serve.log" >&2; exit 1; }
kill -TERM "$serve_pid"; wait "$serve_pid" || true
echo "the listener's log (one line per session; the reload):"
grep -E "serving certificate|session" "$work/serve.log" | cut -c1-220
run "$mailcert" serve --config "$work/serve.toml" --write-unit --root "$work/root"
run systemd-analyze verify "$work/root/etc/systemd/system/mailcert-serve.service"

printf '\ndemo: all steps passed (state was in %s, now removed)\n' "$MAILCERT_STATE_DIR"
