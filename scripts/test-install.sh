#!/usr/bin/env bash
# The install a Debian admin gets, end to end: `make install DESTDIR=...` and the installed binary at work with
# nothing from the source tree (run from /, no --templates), `make uninstall`; then `make deb`, the package installed
# with apt-get, used, removed and purged. Run as root on Debian 12 (CI: .ci/run, after `make test`).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
host=mx1.example.test
passed=0
failed=0

[ "$(id -u)" -eq 0 ] || { echo "test-install: run as root (it installs and removes the mailcert package)" >&2; exit 1; }
if dpkg-query -W -f='${Status}' mailcert 2>/dev/null | grep -q installed; then
  echo "test-install: the mailcert package is already installed here; this test installs and removes it" >&2
  exit 1
fi

tmp=$(mktemp -d /tmp/mailcert-install-test.XXXXXX)
log=$tmp/log
cleanup() {
  # A failure half way must not leave the package on the machine.
  if dpkg-query -W -f='${Status}' mailcert 2>/dev/null | grep -q installed; then apt-get purge -y -q mailcert >/dev/null; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# check WHAT COMMAND...: runs COMMAND, counts it, shows its output only when it fails.
check() {
  local what=$1
  shift
  if "$@" >"$log" 2>&1; then
    passed=$((passed + 1))
    echo "ok: $what"
  else
    failed=$((failed + 1))
    echo "FAILED: $what ($*)"
    sed 's/^/    /' "$log"
  fi
}
contains() { grep -qF -- "$2" "$1"; }
lacks_swift_libraries() { ! ldd "$1" | grep -E 'lib(swift|Foundation|dispatch|BlocksRuntime)'; }
missing() { for file in "$@"; do [ ! -e "$file" ] || { echo "$file still exists"; return 1; }; done; }

echo "== make install DESTDIR=$tmp/stage"
started=$(date +%s)
check "make install DESTDIR=... PREFIX=/usr/local" make -C "$repo" install DESTDIR="$tmp/stage"
echo "   (make install took $(($(date +%s) - started))s)"
prefix=$tmp/stage/usr/local
mailcert=$prefix/bin/mailcert
check "the installed binary needs no Swift shared library" lacks_swift_libraries "$mailcert"
check "templates installed" test -f "$prefix/share/mailcert/templates/systemd/mailcert-renew.timer.mustache"
check "hooks installed executable" test -x "$prefix/share/mailcert/hooks/reload-postfix"
check "man page installed" test -s "$prefix/share/man/man1/mailcert.1.gz"
check "man renders the page without a warning" sh -c "[ -z \"\$(man -l '$prefix/share/man/man1/mailcert.1.gz' 2>&1 >/dev/null)\" ]"
check "the man page documents timer install --binary" sh -c "zcat '$prefix/share/man/man1/mailcert.1.gz' | grep -q -- binary"
for completion in bash-completion/completions/mailcert zsh/vendor-completions/_mailcert fish/vendor_completions.d/mailcert.fish; do
  check "completion $completion installed" test -s "$prefix/share/$completion"
done

# From /, so no directory above the source tree or the working directory can supply the templates or hooks.
echo "== the installed binary, from /"
cd /
export MAILCERT_STATE_DIR=$tmp/state
root=$tmp/root
check "request --self-signed" "$mailcert" request -d "$host" --self-signed
check "timer install --root (no --templates)" "$mailcert" timer install --root "$root"
check "the unit runs the installed binary" contains "$root/etc/systemd/system/mailcert-renew.service" "ExecStart=$mailcert renew"
mkdir -p "$root/etc/postfix"
touch "$root/etc/postfix/main.cf"
check "enable --service postfix --root (no --templates)" \
  "$mailcert" enable --name "$host" --service postfix --root "$root" --reload-hook /bin/true --no-prove
check "the postfix chain file is deployed" test -s "$root/etc/mailcert/postfix/$host.pem"
check "postfix's main.cf names it" contains "$root/etc/postfix/main.cf" "$root/etc/mailcert/postfix/$host.pem"
# No --reload-hook: the installed share/mailcert/hooks/reload-postfix runs (and finds no Postfix running there).
hooked=$tmp/root-hooked
mkdir -p "$hooked/etc/postfix"
# A queue directory of its own, so that a Postfix running on this machine is not taken for this configuration's.
echo "queue_directory = $hooked/spool" >"$hooked/etc/postfix/main.cf"
check "enable --service postfix with the installed reload-postfix hook" sh -c \
  "'$mailcert' enable --name '$host' --service postfix --root '$hooked' --no-prove 2>&1 | grep 'reloaded: reload-postfix'"
cd "$repo"

echo "== make uninstall DESTDIR=$tmp/stage"
check "make uninstall" make -C "$repo" uninstall DESTDIR="$tmp/stage"
check "nothing installed is left" sh -c "[ -z \"\$(find '$tmp/stage' -type f)\" ] && [ ! -e '$prefix/share/mailcert' ]"

echo "== make deb"
started=$(date +%s)
check "make deb" make -C "$repo" deb
echo "   (make deb took $(($(date +%s) - started))s)"
deb=$(ls "$repo"/mailcert_*_"$(dpkg --print-architecture)".deb 2>/dev/null | head -n1 || true)
check "mailcert_<version>_<arch>.deb exists" test -n "$deb"
if [ -n "$deb" ]; then
  dpkg-deb --field "$deb" Depends | sed 's/^/   Depends: /'
  check "apt-get install ./$(basename "$deb")" apt-get install -y -q "$deb"
  check "mailcert --version" sh -c '[ "$(command -v mailcert)" = /usr/bin/mailcert ] && mailcert --version'
  check "man -w mailcert" man -w mailcert
  check "templates in /usr/share/mailcert" test -f /usr/share/mailcert/templates/systemd/mailcert-renew.timer.mustache
  check "hooks in /usr/share/mailcert" test -x /usr/share/mailcert/hooks/reload-postfix
  unit=/usr/lib/systemd/system/mailcert-renew
  check "the packaged unit runs /usr/bin/mailcert on /var/lib/mailcert" \
    contains "$unit.service" "ExecStart=/usr/bin/mailcert renew --state-dir /var/lib/mailcert"
  check "systemd-analyze verify accepts the packaged units" \
    sh -c "out=\$(systemd-analyze verify '$unit.service' '$unit.timer' 2>&1); echo \"\$out\"; [ -z \"\$out\" ]"
  check "the package does not enable the timer" missing /etc/systemd/system/timers.target.wants/mailcert-renew.timer
  check "apt-get remove mailcert" apt-get remove -y -q mailcert
  check "removed: binary, share/mailcert, units, man page" \
    missing /usr/bin/mailcert /usr/share/mailcert "$unit.service" "$unit.timer" /usr/share/man/man1/mailcert.1.gz
  check "apt-get purge mailcert" apt-get purge -y -q mailcert
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
