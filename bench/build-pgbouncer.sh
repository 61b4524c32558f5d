#!/usr/bin/env bash
# Builds PgBouncer from source into bench/.pgbouncer/ (gitignored), so bench/e2e.py compares pgloom with the newest
# release rather than the distribution's old one. Source: a git directory (clone or bare mirror) or a release tarball.
#
#   bench/build-pgbouncer.sh GIT_DIR [TAG]     newest pgbouncer_1_* tag of GIT_DIR unless TAG is given
#   bench/build-pgbouncer.sh pgbouncer-1.25.2.tar.gz
#
# Needs: a C compiler, make, pkg-config, libevent-dev, libssl-dev; for a git tag also autoconf, automake, libtool
# (releases before 1.26 build with autotools; a tree with meson.build builds with meson and ninja). No pandoc: the
# man pages are not built.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
prefix=${PGBOUNCER_PREFIX:-$here/.pgbouncer}
src=${1:-}
tag=${2:-}

if [[ -z $src || ! -e $src ]]; then
  cat >&2 <<MSG
build-pgbouncer.sh: no PgBouncer source${src:+ at $src}.
Give a git directory or a release tarball, e.g.
  git clone --bare https://github.com/pgbouncer/pgbouncer /tmp/pgbouncer.git && $0 /tmp/pgbouncer.git
  curl -LO https://www.pgbouncer.org/downloads/files/1.25.2/pgbouncer-1.25.2.tar.gz && $0 pgbouncer-1.25.2.tar.gz
Packages: apt-get install build-essential pkg-config libevent-dev libssl-dev autoconf automake libtool
MSG
  exit 2
fi

work=$(mktemp -d /tmp/pgbouncer-build.XXXXXX)
trap 'rm -rf "$work"' EXIT

if [[ -f $src ]]; then
  tar -xzf "$src" -C "$work"
  tree=$(find "$work" -mindepth 1 -maxdepth 1 -type d | head -1)
else
  git_dir=$(git -C "$src" rev-parse --git-dir 2>/dev/null || true)
  [[ -n $git_dir ]] || { echo "build-pgbouncer.sh: $src is neither a git directory nor a tarball" >&2; exit 2; }
  git_dir=$(cd "$src" && cd "$git_dir" && pwd)
  if [[ -z $tag ]]; then
    tag=$(git --git-dir="$git_dir" tag -l 'pgbouncer_1_*' | sort -t_ -k2,2n -k3,3n -k4,4n | tail -1)
  fi
  [[ -n $tag ]] || { echo "build-pgbouncer.sh: no pgbouncer_1_* tag in $src" >&2; exit 2; }
  tree=$work/src
  mkdir -p "$tree"
  git --git-dir="$git_dir" archive "$tag" | tar -x -C "$tree"
  echo "build-pgbouncer.sh: building tag $tag"
fi

cd "$tree"
jobs=$(nproc 2>/dev/null || echo 2)
if [[ -f meson.build ]]; then
  meson setup build --prefix="$prefix" --buildtype=release -Dwerror=false >/dev/null
  ninja -C build -j "$jobs"
  mkdir -p "$prefix/bin"
  install -m 755 build/pgbouncer "$prefix/bin/pgbouncer"
else
  [[ -x configure ]] || ./autogen.sh >/dev/null
  ./configure --prefix="$prefix" --without-cares --without-pam --without-ldap --with-openssl >/dev/null
  make -j "$jobs" pgbouncer >/dev/null
  mkdir -p "$prefix/bin"
  install -m 755 pgbouncer "$prefix/bin/pgbouncer"
fi
echo "build-pgbouncer.sh: $("$prefix/bin/pgbouncer" --version | head -1) -> $prefix/bin/pgbouncer"
