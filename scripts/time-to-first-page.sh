#!/usr/bin/env bash
# Measures the quickstart: `mvn -B archetype:generate` of a new project, then
# `mvn elixir-workers:run` until the home page answers. Prints each step's seconds.
#
#   scripts/time-to-first-page.sh [extra Maven arguments for the run, e.g. -Delixir-workers.vm=source]
#
# Needs the plugin and archetype of this version in the local repository (./mvnw install).
# Set ELIXIR_WORKERS_CACHE to an empty directory to measure a cold VM cache.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version=$(sed -n 's:^  <version>\(.*\)</version>:\1:p' "$root/pom.xml" | head -1)
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mvn=("$root/mvnw" -B -q)
now() { date +%s.%N; }
elapsed() { python3 -c "print(f'{$2 - $1:.1f}')"; }

start=$(now)
(cd "$work" && "${mvn[@]}" org.apache.maven.plugins:maven-archetype-plugin:3.3.1:generate -DarchetypeGroupId=dev.elixirworkers \
  -DarchetypeArtifactId=elixir-workers-archetype -DarchetypeVersion="$version" \
  -DgroupId=com.example -DartifactId=my-worker -Dversion=1.0-SNAPSHOT -DappModule=MyWorker)
generated=$(now)

(cd "$work/my-worker" && exec "$root/mvnw" -B elixir-workers:run -Delixir-workers.port="$port" "$@") \
  >"$work/run.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
until curl -fs -o /dev/null "http://127.0.0.1:$port/"; do
  if ! kill -0 "$server" 2>/dev/null; then
    echo "elixir-workers:run exited; its log:" >&2
    tail -40 "$work/run.log" >&2
    exit 1
  fi
  sleep 0.2
done
served=$(now)

echo "generate:            $(elapsed "$start" "$generated") s"
echo "build + serve:       $(elapsed "$generated" "$served") s"
echo "generate → page:     $(elapsed "$start" "$served") s"
grep -E "Using the prebuilt VM|Building atomvm.wasm|AtomVM WASM already built|standard library" "$work/run.log" | sed 's/^/  /' || true
echo "project: $work/my-worker"
(cd "$work/my-worker" && find . -path ./target -prune -o -path ./.elixir-workers -prune -o -type f -print | sort | sed 's/^/  /')
