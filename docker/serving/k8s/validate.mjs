// Checks the Kubernetes manifests offline against the API's JSON schemas, as kubectl's
// --dry-run=client would with a server to ask (here there is none): each document of each file
// given is validated by the kubernetes-models class for its apiVersion and kind (the API's OpenAPI
// schemas), which rejects missing required fields, wrong types and values outside an enum; it does
// not reject an unknown field (a misspelt optional key passes). Run by docker/check-images.sh:
//   node docker/serving/k8s/validate.mjs FILE...
// with NODE_PATH at an install of kubernetes-models@5.1.0 and yaml@2.
import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const modules = process.env.NODE_PATH ?? "node_modules";
const load = (name) => import(pathToFileURL(path.join(modules, name)).href);
const { parseAllDocuments } = await load("yaml/dist/index.js");
const classes = {
  "apps/v1 Deployment": "kubernetes-models/apps/v1/Deployment.js",
  "v1 Service": "kubernetes-models/v1/Service.js",
  "v1 Pod": "kubernetes-models/v1/Pod.js",
  "v1 ConfigMap": "kubernetes-models/v1/ConfigMap.js",
  "autoscaling/v2 HorizontalPodAutoscaler":
    "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler.js",
};

let failed = 0;
let checked = 0;
for (const file of process.argv.slice(2)) {
  for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
    if (doc.errors.length > 0) {
      console.error(`${file}: not YAML: ${doc.errors[0].message}`);
      failed++;
      continue;
    }
    const obj = doc.toJS();
    if (obj == null) continue;
    const key = `${obj.apiVersion} ${obj.kind}`;
    const module = classes[key];
    if (!module) {
      console.error(`${file}: no schema known here for ${key}; add it to ${process.argv[1]}`);
      failed++;
      continue;
    }
    const mod = await load(module);
    const Model = mod[obj.kind] ?? mod.default;
    try {
      new Model(obj).validate();
      checked++;
    } catch (e) {
      console.error(`${file}: ${key} ${obj.metadata?.name ?? ""}: ${e.message}`);
      failed++;
      continue;
    }
    // A ConfigMap that carries a configuration file (a *.yaml key) must carry valid YAML: the
    // program that mounts it would otherwise fail only when it starts in the cluster.
    for (const [name, text] of Object.entries(obj.data ?? {})) {
      if (!name.endsWith(".yaml")) continue;
      for (const inner of parseAllDocuments(text)) {
        if (inner.errors.length > 0) {
          const where = `${file}: ${key} ${obj.metadata?.name ?? ""}: data.${name}`;
          console.error(`${where} is not YAML: ${inner.errors[0].message}`);
          failed++;
        }
      }
    }
  }
}
if (failed > 0) process.exit(1);
console.log(`${checked} Kubernetes objects valid against the API schemas`);
