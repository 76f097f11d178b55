# Sourced by ./vlmq and ./run-tests: sets VLMQ_JAVA_HOME to a JDK >= 25 or exits with one line saying what to install.
# Order: JAVA_HOME if it is a JDK >= 25, else the newest JDK >= 25 under /usr/lib/jvm, else java on PATH if >= 25.

vlmq_java_major() { # prints the feature version of the JDK home $1, or nothing
  # The release file answers without starting a JVM (each start costs ~0.2 s); a JDK without one is asked.
  if [ -r "$1/release" ]; then
    sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" | head -n 1
  else
    "$1/bin/java" -XshowSettings:properties -version 2>&1 \
      | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
  fi
}

vlmq_is_jdk25() { # $1: a JDK home; true when it has java and javac of version >= 25
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 1
  local v; v=$(vlmq_java_major "$1")
  [ -n "$v" ] && [ "$v" -ge 25 ]
}

vlmq_find_jdk() {
  if [ -n "${JAVA_HOME:-}" ] && vlmq_is_jdk25 "$JAVA_HOME"; then VLMQ_JAVA_HOME=$JAVA_HOME; return 0; fi
  local best="" best_v=0 d v
  for d in /usr/lib/jvm/*/; do
    d=${d%/}
    [ -L "$d" ] && continue
    vlmq_is_jdk25 "$d" || continue
    v=$(vlmq_java_major "$d")
    if [ "$v" -gt "$best_v" ]; then best=$d; best_v=$v; fi
  done
  if [ -n "$best" ]; then VLMQ_JAVA_HOME=$best; return 0; fi
  local j; j=$(command -v java 2>/dev/null || true)
  if [ -n "$j" ]; then
    j=$(readlink -f "$j"); local home=${j%/bin/java}
    if vlmq_is_jdk25 "$home"; then VLMQ_JAVA_HOME=$home; return 0; fi
  fi
  echo "vlmq needs a JDK 25 or newer (none in JAVA_HOME, /usr/lib/jvm or on PATH): install one, e.g. Temurin 25, and set JAVA_HOME to it." >&2
  exit 1
}
