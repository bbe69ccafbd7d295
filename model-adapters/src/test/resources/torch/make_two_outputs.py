#!/usr/bin/python3
"""Writes a two-output test model with Debian's python3-torch, and its own outputs.

Usage: make_two_outputs.py OUT_DIR

The network takes float32 [batch, 6] and returns two tensors: an embedding (its hidden layer,
[batch, 8]) first, then the softmax over 3 classes ([batch, 3]): so the class probabilities are
not the first output, and a job must say which output feeds its prediction columns.

Writes OUT_DIR/two_outputs.pt (returns the tuple (embedding, probabilities)),
OUT_DIR/two_outputs.onnx (outputs named embedding and probabilities), OUT_DIR/rows.csv (id,
f0..f5) and OUT_DIR/expected.csv (id, the 3 probabilities, then the 8 embedding values).
"""
import csv
import os
import random
import sys

import torch

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
torch.manual_seed(29)


class TwoOutputs(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = torch.nn.Linear(6, 8)
        self.out = torch.nn.Linear(8, 3)

    def forward(self, x):
        embedding = torch.tanh(self.hidden(x))
        return embedding, torch.softmax(self.out(embedding) * 3.0, dim=1)


net = TwoOutputs().eval()
example = torch.zeros(2, 6)
torch.jit.save(torch.jit.trace(net, example), os.path.join(out, "two_outputs.pt"))
torch.onnx.export(net, example, os.path.join(out, "two_outputs.onnx"), input_names=["x"],
                  output_names=["embedding", "probabilities"],
                  dynamic_axes={"x": {0: "batch"}, "embedding": {0: "batch"}, "probabilities": {0: "batch"}},
                  opset_version=13)
rng = random.Random(31)
rows = [[i] + [round(rng.uniform(-2, 2), 4) for _ in range(6)] for i in range(150)]
with open(os.path.join(out, "rows.csv"), "w", newline="") as f:
    csv.writer(f).writerows(rows)
with open(os.path.join(out, "expected.csv"), "w", newline="") as f:
    w = csv.writer(f)
    for r in rows:
        with torch.no_grad():
            e, p = net(torch.tensor([r[1:]], dtype=torch.float32))
        w.writerow([r[0]] + ["%.9g" % v for v in p[0].tolist()] + ["%.9g" % v for v in e[0].tolist()])
