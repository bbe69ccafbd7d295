#!/usr/bin/python3
"""Writes a two-input test model with Debian's python3-torch, and its own predictions.

Usage: make_two_inputs.py OUT_DIR

The network takes `dense`, float32 [batch, 4], and `ids`, int64 [batch, 2] (a region id 0..9 and
a plan id 0..4, each looked up in an embedding of 3), and returns the softmax over 3 classes of a
linear layer over the dense values and both embeddings. Seeded, so every run writes the same.

Writes OUT_DIR/two_inputs.pt (traced with (dense, ids)), OUT_DIR/two_inputs.onnx (the same,
exported with inputs named dense and ids), OUT_DIR/rows.csv (id, d0..d3, region, plan) and
OUT_DIR/expected.csv (id, then PyTorch's three probabilities).
"""
import csv
import os
import random
import sys

import torch

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
torch.manual_seed(3)


class TwoInputs(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.region = torch.nn.Embedding(10, 3)
        self.plan = torch.nn.Embedding(5, 3)
        self.out = torch.nn.Linear(4 + 3 + 3, 3)

    def forward(self, dense, ids):
        x = torch.cat([dense, self.region(ids[:, 0]), self.plan(ids[:, 1])], dim=1)
        return torch.softmax(self.out(x), dim=1)


net = TwoInputs().eval()
with torch.no_grad():
    net.region.weight.mul_(3.0)
    net.plan.weight.mul_(3.0)
example = (torch.zeros(2, 4), torch.zeros(2, 2, dtype=torch.long))
torch.jit.save(torch.jit.trace(net, example), os.path.join(out, "two_inputs.pt"))
torch.onnx.export(net, example, os.path.join(out, "two_inputs.onnx"), input_names=["dense", "ids"],
                  output_names=["probabilities"],
                  dynamic_axes={"dense": {0: "batch"}, "ids": {0: "batch"}, "probabilities": {0: "batch"}},
                  opset_version=13)

rng = random.Random(23)
rows = []
for i in range(200):
    rows.append([i] + [round(rng.uniform(-2, 2), 4) for _ in range(4)] + [rng.randrange(10), rng.randrange(5)])
with open(os.path.join(out, "rows.csv"), "w", newline="") as f:
    csv.writer(f).writerows(rows)
with open(os.path.join(out, "expected.csv"), "w", newline="") as f:
    w = csv.writer(f)
    for r in rows:
        with torch.no_grad():
            p = net(torch.tensor([r[1:5]], dtype=torch.float32), torch.tensor([r[5:7]], dtype=torch.long))[0]
        w.writerow([r[0]] + ["%.9g" % v for v in p.tolist()])
