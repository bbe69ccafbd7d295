#!/usr/bin/env bash
# What can be checked of docker/ without a Docker engine (run by .ci/run after the jar is built):
# the compose file parses and validates, and every file the Dockerfile copies exists.
set -euo pipefail
cd "$(dirname "$0")/.."
docker-compose -f docker/compose.yaml config -q
missing=0
while read -r src; do
  if [ ! -e "$src" ]; then
    echo "docker/Dockerfile copies $src, which does not exist (run mvn -q -DskipTests package first)" >&2
    missing=1
  fi
done < <(grep -E '^COPY ' docker/Dockerfile | sed -E 's/--[a-z]+=[^ ]+ //g' | awk '{print $2}')
[ "$missing" -eq 0 ]
echo "docker/: compose.yaml valid, every file docker/Dockerfile copies exists"
