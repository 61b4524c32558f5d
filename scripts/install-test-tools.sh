#!/usr/bin/env bash
# Installs the browser LivePageBrowserIT drives: Debian's chromium and chromium-driver (apt). Idempotent and quiet:
# when both are there it only says so. Without apt-get (or root/sudo) it says what to install; the test then skips
# with the reason. Exit 1 if the install failed (.ci/run reports it and goes on: the test skips).
set -uo pipefail

if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
  echo "browser: chromium and chromedriver present"
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "browser: no apt-get here; install chromium and its chromedriver yourself (LivePageBrowserIT skips without them)"
  exit 0
fi
sudo=""
if [ "$(id -u)" != 0 ]; then
  if ! command -v sudo >/dev/null; then
    echo "browser: not root and no sudo; install chromium chromium-driver (LivePageBrowserIT skips without them)"
    exit 0
  fi
  sudo="sudo -n"
fi
pkgs="chromium chromium-driver"
install() {
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $pkgs >/dev/null 2>&1
}
# Without an update first when the package lists already know them: the common, fast case.
install || { $sudo apt-get update -q >/dev/null 2>&1 && install; } \
  || { echo "browser: installing $pkgs failed"; exit 1; }
echo "browser: installed $(chromium --version 2>/dev/null | head -1)," \
  "$(chromedriver --version 2>/dev/null | cut -d' ' -f1-2)"
