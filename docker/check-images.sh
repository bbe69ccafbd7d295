#!/usr/bin/env bash
# What can be checked of docker/ without a Docker engine (run by .ci/run after the jar is built):
# both Dockerfiles (the image and docker/airflow/) pass a linter (instructions, arguments, ports,
# flags), the compose file parses and validates with and without its airflow profile, and every
# file the Dockerfiles copy from the build context exists.
set -euo pipefail
cd "$(dirname "$0")/.."
lint="${DOCKERFILE_LINT:-target/dockerfile-lint/node_modules/.bin/dockerfile-utils}"
if [ ! -x "$lint" ]; then
  echo "no Dockerfile linter at $lint: install it with" >&2
  echo "  npm install --no-audit --no-fund --prefix target/dockerfile-lint dockerfile-utils@0.16.3" >&2
  echo "(.ci/run does), or point DOCKERFILE_LINT at a dockerfile-utils binary" >&2
  exit 2
fi
"$lint" lint docker/Dockerfile
"$lint" lint docker/airflow/Dockerfile
docker-compose -f docker/compose.yaml config -q
docker-compose -f docker/compose.yaml --profile airflow config -q
missing=0
while read -r src; do
  if [ ! -e "$src" ]; then
    echo "a Dockerfile copies $src, which does not exist (run mvn -q -DskipTests package first)" >&2
    missing=1
  fi
done < <(cat docker/Dockerfile docker/airflow/Dockerfile | grep -E '^COPY ' | grep -v -- '--from=' |
  sed -E 's/--[a-z]+=[^ ]+ //g' | awk '{print $2}')
[ "$missing" -eq 0 ]
echo "docker/: both Dockerfiles lint clean, compose.yaml valid (with its airflow profile), every file they copy exists"
