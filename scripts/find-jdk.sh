#!/usr/bin/env bash
# Prints the home of a JDK >= 21: JAVA_HOME if it qualifies, else the java on PATH, else the newest
# JDK found in the usual install folders. The machine's default java may be older (17 here).
set -u
want=${1:-21}
major_of() {  # $1 = java home; prints the feature version or nothing
  local v
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  v=$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')
  echo "${v#1.}"
}
ok() { local m; m=$(major_of "$1"); [ -n "$m" ] && [ "$m" -ge "$want" ]; }

if [ -n "${JAVA_HOME:-}" ] && ok "$JAVA_HOME"; then echo "$JAVA_HOME"; exit 0; fi
if command -v java >/dev/null 2>&1; then
  h=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
  if ok "$h"; then echo "$h"; exit 0; fi
fi
best=""; best_major=0
for h in /usr/lib/jvm/* /usr/local/lib/jvm/* /opt/java/* /opt/*jdk* /usr/java/* \
         /Library/Java/JavaVirtualMachines/*/Contents/Home "$HOME"/.sdkman/candidates/java/*; do
  [ -d "$h" ] || continue
  m=$(major_of "$h")
  if [ -n "$m" ] && [ "$m" -ge "$want" ] && [ "$m" -gt "$best_major" ]; then best=$h; best_major=$m; fi
done
if [ -n "$best" ]; then echo "$best"; exit 0; fi
echo "no JDK >= $want found: install one (e.g. apt-get install openjdk-21-jdk-headless) or set JAVA_HOME" >&2
exit 1
