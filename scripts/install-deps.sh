#!/usr/bin/env bash
# Installs the Debian packages mailcert needs to build, test and demo; as root with apt-get, otherwise says what to run.
set -euo pipefail
packages=(libssl-dev libcurl4-openssl-dev pkg-config openssl util-linux python3 curl pebble python3-aiosmtpd dnsmasq-base systemd swaks postfix dovecot-core dovecot-imapd bubblewrap bind9 bind9-utils bind9-dnsutils)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "mailcert: missing system packages: ${missing[*]}; run: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "mailcert: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Postfix is only a test peer (the tests run private instances): leave the machine's mail setup as it is.
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
apt-get update -q
apt-get install -y -q "${missing[@]}"
