#!/usr/bin/env bash
# Spark GPU discovery script (spark.worker.resource.gpu.discoveryScript on standalone workers,
# spark.executor.resource.gpu.discoveryScript on YARN/Kubernetes): prints the GPUs this host or
# container may use as Spark's resource JSON, e.g. {"name": "gpu", "addresses": ["0", "1"]}.
#
# The addresses are CUDA device indices as this process sees them. When CUDA_VISIBLE_DEVICES
# narrows the devices (YARN and Kubernetes device plugins do), CUDA renumbers them from 0, so the
# script reports 0..n-1 in that case: those are the indices the engine accepts.
set -euo pipefail

if ! command -v nvidia-smi >/dev/null 2>&1; then
  echo '{"name": "gpu", "addresses": []}'
  exit 0
fi

if [[ -n "${CUDA_VISIBLE_DEVICES:-}" && "${CUDA_VISIBLE_DEVICES}" != "all" ]]; then
  IFS=',' read -r -a visible <<<"${CUDA_VISIBLE_DEVICES}"
  count=${#visible[@]}
  indices=()
  for ((i = 0; i < count; i++)); do indices+=("$i"); done
else
  mapfile -t indices < <(nvidia-smi --query-gpu=index --format=csv,noheader | tr -d ' ')
fi

json=""
for i in "${indices[@]}"; do
  [[ -z "$i" ]] && continue
  json+="${json:+, }\"$i\""
done
echo "{\"name\": \"gpu\", \"addresses\": [${json}]}"
