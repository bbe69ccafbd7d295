#!/usr/bin/python3
"""Writes a test model with a float64 input with Debian's python3-torch, and its own predictions.

Usage: make_float64.py OUT_DIR

The network takes `amount`, float64 [batch, 2] (an amount and a reference, both near 1,000,000),
and `dense`, float32 [batch, 1], and returns float32 [batch, 2]: 1 - p and p, where p is the
sigmoid of (amount - reference) * 1e6 + dense. The amounts differ from the reference by multiples
of 1e-7, far below float32's resolution at 1e6 (0.0625): fed as float32, every difference would be
0; only float64 values give the script's predictions. Seeded, so every run writes the same.

Writes OUT_DIR/float64.pt (scripted), OUT_DIR/float64.onnx (inputs amount, dense; output
probabilities; batch dynamic), OUT_DIR/rows.csv (id, amount, reference, dense; the amounts
printed with 17 significant digits, so they parse back to the same doubles) and
OUT_DIR/expected.csv (id, then PyTorch's two values).
"""
import csv
import os
import random
import sys

import torch

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


class Float64(torch.nn.Module):
    def forward(self, amount: torch.Tensor, dense: torch.Tensor) -> torch.Tensor:
        z = (amount[:, 0:1] - amount[:, 1:2]) * 1e6 + dense.to(torch.float64)
        p = torch.sigmoid(z)
        return torch.cat([1.0 - p, p], dim=1).to(torch.float32)


net = Float64().eval()
torch.jit.save(torch.jit.script(net), os.path.join(out, "float64.pt"))
example = (torch.zeros(2, 2, dtype=torch.float64), torch.zeros(2, 1))
torch.onnx.export(net, example, os.path.join(out, "float64.onnx"), input_names=["amount", "dense"],
                  output_names=["probabilities"],
                  dynamic_axes={"amount": {0: "batch"}, "dense": {0: "batch"},
                                "probabilities": {0: "batch"}},
                  opset_version=13)

rng = random.Random(31)
rows = []
for i in range(200):
    reference = 1000000.0 + rng.randrange(-1000, 1000) * 0.25
    amount = reference + rng.randrange(-30, 31) * 1e-7
    rows.append([i, amount, reference, round(rng.uniform(-1, 1), 4)])
with open(os.path.join(out, "rows.csv"), "w", newline="") as f:
    w = csv.writer(f)
    for r in rows:
        w.writerow([r[0], "%.17g" % r[1], "%.17g" % r[2], r[3]])
with open(os.path.join(out, "expected.csv"), "w", newline="") as f:
    w = csv.writer(f)
    for r in rows:
        a = float("%.17g" % r[1])
        b = float("%.17g" % r[2])
        with torch.no_grad():
            p = net(torch.tensor([[a, b]], dtype=torch.float64),
                    torch.tensor([[r[3]]], dtype=torch.float32))[0]
        w.writerow([r[0]] + ["%.9g" % v for v in p.tolist()])
