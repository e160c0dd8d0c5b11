#!/usr/bin/env bash
# The main job, end to end, in a temporary state directory on loopback:
#   1. a self-signed fallback for a host that has nothing yet;
#   2. a CSR for a corporate CA, answered by a throwaway CA made here with openssl, and imported;
#   3. the inventory (table and JSON), and the refusal to let a fallback replace the CA-signed certificate;
#   4. a PKCS#12 export, read back by openssl;
#   5. the certificate in service, served by openssl s_server on 127.0.0.1 straight from the store's stable
#      current/ paths, and verified by openssl s_client against the CA.
set -euo pipefail
mailcert=${1:?usage: demo.sh PATH-TO-MAILCERT}
work=$(mktemp -d /tmp/mailcert-demo.XXXXXX)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
export MAILCERT_STATE_DIR="$work/state"
step() { printf '\n==> %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

step "1. A self-signed fallback, so mx1 is never without a certificate"
run "$mailcert" request -d mx1.example.test -d mail.example.test --self-signed --days 30

step "2. A CSR for the corporate CA (the key stays pending in the store)"
run "$mailcert" request -d mx2.example.test --name mx2 --key-type rsa3072 --csr-out "$work/mx2.csr"
openssl req -in "$work/mx2.csr" -noout -verify 2>&1 | sed 's/^/   openssl: /'

step "   ...the CA (a throwaway one made with openssl) answers"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/ca.key" -out "$work/ca.pem" -days 30 \
  -subj "/CN=Demo Corporate CA" -addext basicConstraints=critical,CA:TRUE 2>/dev/null
printf 'basicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n' > "$work/leaf.ext"
openssl x509 -req -in "$work/mx2.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -set_serial 4242 -days 90 \
  -copy_extensions copy -extfile "$work/leaf.ext" -out "$work/mx2.crt" 2>/dev/null
run "$mailcert" import --name mx2 "$work/mx2.crt" --chain "$work/ca.pem"

step "3. The inventory"
run "$mailcert" list
echo "\$ $mailcert list --json"
"$mailcert" list --json > "$work/list.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("   JSON:", ", ".join(c["name"]+"="+c["status"] for c in d["certificates"]))' "$work/list.json"

step "   A fallback must not replace the valid CA-signed certificate of mx2 (expected to be refused):"
if "$mailcert" request -d mx2.example.test --name mx2 --self-signed; then
  echo "demo: the self-signed request should have been refused" >&2
  exit 1
fi

step "4. PKCS#12 export for Windows/Exchange, read back by openssl"
printf 'demo-password\n' > "$work/pass.txt"
run "$mailcert" export --name mx2 --pkcs12 "$work/mx2.pfx" --password-file "$work/pass.txt"
openssl pkcs12 -info -noout -in "$work/mx2.pfx" -passin file:"$work/pass.txt" 2>&1 | sed 's/^/   openssl: /'

step "5. Served on 127.0.0.1 from STATE/certs/mx2/current/, verified against the CA"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
current="$MAILCERT_STATE_DIR/certs/mx2/current"
openssl s_server -quiet -accept "127.0.0.1:$port" -cert "$current/cert.pem" -key "$current/key.pem" \
  -cert_chain "$current/chain.pem" >/dev/null 2>&1 </dev/null &
server_pid=$!
for _ in $(seq 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
result=$(echo | openssl s_client -connect "127.0.0.1:$port" -servername mx2.example.test -verify_hostname mx2.example.test \
  -CAfile "$work/ca.pem" -verify_return_error 2>&1 || true)
echo "$result" | grep -E "^(subject|issuer)=|Verification|Verify return code" | sed 's/^/   s_client: /'
echo "$result" | grep -q "Verify return code: 0 (ok)" || { echo "demo: the served certificate did not verify" >&2; exit 1; }

printf '\ndemo: all steps passed (state was in %s, now removed)\n' "$MAILCERT_STATE_DIR"
