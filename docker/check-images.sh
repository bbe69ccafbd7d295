#!/usr/bin/env bash
# What can be checked of docker/ without a Docker engine (run by .ci/run after the jar is built):
# both Dockerfiles (the image and docker/airflow/) pass a linter (instructions, arguments, ports,
# flags), the compose file parses and validates with and without its airflow profile, every file
# the Dockerfiles copy from the build context exists, and the Kubernetes manifests validate against
# the API's schemas offline (kubectl --dry-run=client needs an API server; there is none here).
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
k8s_models="${K8S_MODELS:-target/k8s-validate/node_modules}"
if [ ! -d "$k8s_models/kubernetes-models" ] || [ ! -d "$k8s_models/yaml" ]; then
  echo "no Kubernetes schemas at $k8s_models: install them with" >&2
  echo "  npm install --no-audit --no-fund --prefix target/k8s-validate kubernetes-models@5.1.0 yaml@2.9.1" >&2
  echo "(.ci/run does), or point K8S_MODELS at a node_modules holding both" >&2
  exit 2
fi
NODE_PATH="$k8s_models" node docker/serving/k8s/validate.mjs docker/serving/k8s/*.yaml \
  docker/serving/k8s/queue-depth/*.yaml docker/k8s/executor-pod-template.yaml
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
echo "docker/: both Dockerfiles lint clean, compose.yaml valid (with its airflow profile), every file they copy exists, the Kubernetes manifests match the API schemas"
