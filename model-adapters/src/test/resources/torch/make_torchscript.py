#!/usr/bin/python3
"""Writes the TorchScript test models with Debian's python3-torch and their own predictions.

Usage: make_torchscript.py OUT_DIR

Writes OUT_DIR/model.pt (a seeded 6-16-3 MLP with a softmax, traced and saved with
torch.jit.save), OUT_DIR/double.pt (the same network in float64, which a float32 input does not
fit), OUT_DIR/state_dict.pt (the network's weights saved with torch.save: not TorchScript),
OUT_DIR/dict.pt (the network returning a dict of its probabilities and logits, whose order DJL
does not keep), OUT_DIR/tuple.pt (the network returning its probabilities then its logits),
OUT_DIR/batch_mean.pt (the network averaging its probabilities over the batch:
one row in, one row out, but one row for any batch),
OUT_DIR/rows.csv (id then the features f0..f5 of each row to score) and OUT_DIR/expected.csv (id,
then the three class probabilities PyTorch computes for the row). The weights and rows are
seeded, so the predictions are the same on every run.
"""
import os
import sys
from typing import Dict

import torch

FEATURES = 6
CLASSES = 3
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
torch.manual_seed(11)


class Mlp(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = torch.nn.Linear(FEATURES, 16)
        self.out = torch.nn.Linear(16, CLASSES)

    def forward(self, x):
        return torch.softmax(self.out(torch.relu(self.hidden(x))), dim=1)


net = Mlp().eval()
# Every feature must matter, so a wrong feature order changes the predictions.
with torch.no_grad():
    net.hidden.weight.mul_(3.0)
example = torch.zeros(4, FEATURES)
traced = torch.jit.trace(net, example)
torch.jit.save(traced, os.path.join(out, "model.pt"))
torch.jit.save(torch.jit.trace(Mlp().double().eval(), example.double()), os.path.join(out, "double.pt"))
torch.save(net.state_dict(), os.path.join(out, "state_dict.pt"))


class DictOutput(torch.nn.Module):
    def __init__(self, mlp):
        super().__init__()
        self.mlp = mlp

    def forward(self, x: torch.Tensor) -> Dict[str, torch.Tensor]:
        logits = self.mlp.out(torch.relu(self.mlp.hidden(x)))
        return {"probabilities": torch.softmax(logits, dim=1), "logits": logits}


class BatchMean(torch.nn.Module):
    def __init__(self, mlp):
        super().__init__()
        self.mlp = mlp

    def forward(self, x):
        return self.mlp(x).mean(dim=0, keepdim=True)


class TupleOutput(torch.nn.Module):
    def __init__(self, mlp):
        super().__init__()
        self.mlp = mlp

    def forward(self, x):
        logits = self.mlp.out(torch.relu(self.mlp.hidden(x)))
        return torch.softmax(logits, dim=1), logits


torch.jit.save(torch.jit.script(DictOutput(net)), os.path.join(out, "dict.pt"))
torch.jit.save(torch.jit.trace(TupleOutput(net), example), os.path.join(out, "tuple.pt"))
torch.jit.save(torch.jit.trace(BatchMean(net), example), os.path.join(out, "batch_mean.pt"))

generator = torch.Generator().manual_seed(5)
rows = torch.randn(300, FEATURES, generator=generator) * 1.5
with torch.no_grad():
    probabilities = traced(rows)
with open(os.path.join(out, "rows.csv"), "w") as f:
    for i, r in enumerate(rows.tolist()):
        f.write(",".join([str(i)] + [repr(v) for v in r]) + "\n")
with open(os.path.join(out, "expected.csv"), "w") as f:
    for i, p in enumerate(probabilities.tolist()):
        f.write(",".join([str(i)] + [repr(v) for v in p]) + "\n")
