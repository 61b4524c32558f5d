#!/usr/bin/env bash
# Installs the Debian packages some integration tests drive: chromium and chromium-driver (LivePageBrowserIT) and
# haproxy (PeerCancelIT, a real TCP load balancer in front of three peered pgloom instances). Idempotent and quiet:
# a tool already there is only reported. Without apt-get (or root/sudo) it says what to install; those tests then
# skip with the reason. Exit 1 if an install failed (.ci/run reports it and goes on: the tests skip).
set -uo pipefail

sudo=""
can_install=yes
if ! command -v apt-get >/dev/null; then
  can_install="no apt-get here"
elif [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null; then sudo="sudo -n"; else can_install="not root and no sudo"; fi
fi
updated=no
failed=0

# ensure LABEL "TOOLS" "PACKAGES" "TESTS": installs PACKAGES unless every command in TOOLS is on PATH.
ensure() {
  local label=$1 tools=$2 pkgs=$3 tests=$4 missing="" t
  for t in $tools; do command -v "$t" >/dev/null || missing="$missing $t"; done
  if [ -z "$missing" ]; then
    echo "$label: $tools present"
    return
  fi
  if [ "$can_install" != yes ]; then
    echo "$label: $can_install; install $pkgs yourself ($tests skips without them)"
    return
  fi
  install() {
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $pkgs >/dev/null 2>&1
  }
  # Without an update first when the package lists already know them: the common, fast case.
  if install || { [ "$updated" = no ] && updated=yes && $sudo apt-get update -q >/dev/null 2>&1 && install; }; then
    echo "$label: installed $pkgs"
  else
    echo "$label: installing $pkgs failed ($tests will skip)"
    failed=1
  fi
}

ensure browser "chromium chromedriver" "chromium chromium-driver" LivePageBrowserIT
ensure "load balancer" haproxy haproxy PeerCancelIT
exit $failed
