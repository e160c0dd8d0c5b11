#!/usr/bin/env bash
# `make deb`: mailcert_<version>_<arch>.deb at the repository root, built with dpkg-deb from `make install
# PREFIX=/usr` staged in a package root, plus the renewal units in /usr/lib/systemd/system (not enabled).
set -euo pipefail
cd "$(dirname "$0")/.."
umask 022  # installed directories and files are world-readable whatever the caller's umask
fail() { echo "mailcert deb: $*" >&2; exit 1; }

root=.build/deb-root
rm -rf "$root"
PREFIX=/usr DESTDIR="$PWD/$root" scripts/install.sh install
binary=$root/usr/bin/mailcert

# The units name the packaged binary and store; rendered by mailcert itself, then moved where packages put units.
"$binary" --state-dir /var/lib/mailcert timer install --root "$root" --binary /usr/bin/mailcert >/dev/null ||
  fail "cannot render the renewal units into $root"
mkdir -p "$root/usr/lib/systemd/system"
mv "$root"/etc/systemd/system/mailcert-renew.{service,timer} "$root/usr/lib/systemd/system/"
rm -r "$root/etc"
# Their first line says how 'timer install' copies are removed; these belong to dpkg and are not enabled.
sed -i "1s|.*|# Managed by mailcert (the Debian package; not enabled: systemctl enable --now mailcert-renew.timer).|" \
  "$root"/usr/lib/systemd/system/mailcert-renew.{service,timer}

version=$("$binary" --version | awk '{print $2}')
[ -n "$version" ] || fail "$binary --version printed no version"
arch=$(dpkg --print-architecture)

# Depends: the package of each library the binary links (its NEEDED entries, not what those pull in), at least the
# version it was built against.
depends() {
  readelf -d "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | while read -r soname; do
    library=$(ldd "$binary" | awk -v name="$soname" '$1 == name && $3 ~ /^\// {print $3} $1 ~ "/" name "$" {print $1}')
    [ -n "$library" ] || fail "ldd does not resolve $soname, which $binary needs"
    package=
    # dpkg knows /lib/... or /usr/lib/... (usrmerge): try the path, what it resolves to, then the other half.
    for path in "$library" "$(readlink -f "$library")" "${library#/usr}" "/usr$library"; do
      package=$(dpkg -S "$path" 2>/dev/null | head -n1 | cut -d: -f1) && [ -n "$package" ] && break
    done
    [ -n "$package" ] || fail "no installed package owns $library ($soname), which $binary needs"
    echo "$package (>= $(dpkg-query -W -f='${Version}' "$package"))"
  done | LC_ALL=C sort -u | paste -sd, - | sed 's/,/, /g'
}
deps=$(depends)

mkdir -p "$root/DEBIAN"
cat >"$root/DEBIAN/control" <<EOF
Package: mailcert
Version: $version
Architecture: $arch
Maintainer: mailcert maintainers <mailcert@localhost>
Section: mail
Priority: optional
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Depends: $deps
Suggests: postfix | dovecot-core | exim4-daemon-light
Description: certificate lifecycle manager for mail servers
 Keys, CSRs, self-signed fallbacks, ACME (RFC 8555) certificates, imports and
 exports, renewal and an inventory, in a versioned store that Postfix, Dovecot
 or Exim read directly; deploy hooks, DANE TLSA records, remote STARTTLS checks
 and a small SMTP listener.
 .
 The renewal timer (mailcert-renew.timer) is installed but not enabled: run
 'systemctl enable --now mailcert-renew.timer' or 'mailcert timer install'.
EOF
install -m 0755 scripts/deb/prerm scripts/deb/postrm "$root/DEBIAN/"

deb=mailcert_${version}_${arch}.deb
dpkg-deb --root-owner-group --build "$root" "$deb" >/dev/null || fail "dpkg-deb could not build $deb from $root"
echo "built $deb (Depends: $deps)"
