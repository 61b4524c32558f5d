#!/usr/bin/env bash
# Installs the outside programs some ITs drive, from Debian (apt): chromium and chromium-driver (LivePageBrowserIT),
# slapd and ldap-utils (LdapAuthIT starts its own OpenLDAP in a temp dir), haproxy (PeerCancelIT: a real TCP load
# balancer in front of three peered pgloom instances). Idempotent and quiet: what is there is
# only named. Without apt-get (or root/sudo) it says what to install; the tests then skip with the reason.
# Exit 1 if an install failed (.ci/run reports it and goes on: the tests skip).
set -uo pipefail

# group name, packages, commands that prove them present
groups=(
  "browser|chromium chromium-driver|chromium chromedriver"
  "ldap|slapd ldap-utils|/usr/sbin/slapd ldapadd"
  "load balancer|haproxy|haproxy"
)
missing=()
for g in "${groups[@]}"; do
  IFS='|' read -r name pkgs cmds <<<"$g"
  ok=1
  for c in $cmds; do command -v "$c" >/dev/null || ok=0; done
  if [ $ok = 1 ]; then echo "$name: $pkgs present"; else missing+=("$g"); fi
done
[ ${#missing[@]} = 0 ] && exit 0

if ! command -v apt-get >/dev/null; then
  for g in "${missing[@]}"; do
    echo "${g%%|*}: no apt-get here; install $(cut -d'|' -f2 <<<"$g") yourself (the tests needing them skip)"
  done
  exit 0
fi
sudo=""
if [ "$(id -u)" != 0 ]; then
  if ! command -v sudo >/dev/null; then
    for g in "${missing[@]}"; do
      echo "${g%%|*}: not root and no sudo; install $(cut -d'|' -f2 <<<"$g") (the tests needing them skip)"
    done
    exit 0
  fi
  sudo="sudo -n"
fi
install() {
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" \
    >/dev/null 2>&1
}
rc=0
updated=0
for g in "${missing[@]}"; do
  IFS='|' read -r name pkgs cmds <<<"$g"
  # Without an update first when the package lists already know them: the common, fast case.
  # shellcheck disable=SC2086
  if install $pkgs || { [ $updated = 0 ] && updated=1 && $sudo apt-get update -q >/dev/null 2>&1 && install $pkgs; }
  then
    echo "$name: installed $pkgs"
  else
    echo "$name: installing $pkgs failed"
    rc=1
  fi
done
exit $rc
