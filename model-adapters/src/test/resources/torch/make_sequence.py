#!/usr/bin/python3
"""Writes a sequence test model with Debian's python3-torch, and its own predictions.

Usage: make_sequence.py OUT_DIR

The network takes `dense`, float32 [batch, 2], `events`, float32 [batch, length] (a customer's
spend per visit, any number of visits, padded with zeros), and `events_mask`, int64 [batch,
length] (1 for a visit, 0 for padding). It computes the masked mean and the masked maximum of the
events (0 for a customer without visits) and returns, first, the softmax over 2 classes of a
linear layer over them and the dense values, then `seen_length`, float32 [batch, 1]: the length
of the tensors it was fed, so a test can see that a batch is padded to its longest row only.
Seeded, so every run writes the same.

Writes OUT_DIR/sequence.pt (scripted, so any length works), OUT_DIR/sequence.onnx (exported with
inputs dense, events, events_mask and outputs probabilities, seen_length, batch and length
dynamic), OUT_DIR/rows.csv (id, d0, d1, then the visits: 0 to 12 values) and
OUT_DIR/expected.csv (id, then PyTorch's two probabilities for the row alone).
"""
import csv
import os
import random
import sys
from typing import Tuple

import torch

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
torch.manual_seed(5)


class Sequence(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.out = torch.nn.Linear(2 + 2, 2)

    def forward(self, dense: torch.Tensor, events: torch.Tensor,
                events_mask: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        m = events_mask.to(torch.float32)
        count = m.sum(dim=1, keepdim=True)
        mean = (events * m).sum(dim=1, keepdim=True) / torch.clamp(count, min=1.0)
        # Padding must not win the maximum: masked positions count as a large negative number.
        peak = torch.where(m > 0, events, torch.full_like(events, -1e9)).max(dim=1, keepdim=True)[0]
        peak = torch.where(count > 0, peak, torch.zeros_like(peak))
        p = torch.softmax(self.out(torch.cat([dense, mean, peak], dim=1)), dim=1)
        seen = torch.ones_like(count) * events.shape[1]
        return p, seen


net = Sequence().eval()
with torch.no_grad():
    net.out.weight.mul_(2.0)
torch.jit.save(torch.jit.script(net), os.path.join(out, "sequence.pt"))
example = (torch.zeros(2, 2), torch.zeros(2, 3), torch.ones(2, 3, dtype=torch.long))
torch.onnx.export(net, example, os.path.join(out, "sequence.onnx"),
                  input_names=["dense", "events", "events_mask"],
                  output_names=["probabilities", "seen_length"],
                  dynamic_axes={"dense": {0: "batch"}, "events": {0: "batch", 1: "length"},
                                "events_mask": {0: "batch", 1: "length"},
                                "probabilities": {0: "batch"}, "seen_length": {0: "batch"}},
                  opset_version=13)

rng = random.Random(29)
rows = []
for i in range(300):
    visits = [round(rng.uniform(0, 5), 3) for _ in range(rng.randrange(13))]
    rows.append([i, round(rng.uniform(-1, 1), 4), round(rng.uniform(-1, 1), 4)] + visits)
with open(os.path.join(out, "rows.csv"), "w", newline="") as f:
    csv.writer(f).writerows(rows)
with open(os.path.join(out, "expected.csv"), "w", newline="") as f:
    w = csv.writer(f)
    for r in rows:
        visits = r[3:]
        n = max(1, len(visits))
        events = torch.tensor([visits + [0.0] * (n - len(visits))], dtype=torch.float32)
        mask = torch.tensor([[1] * len(visits) + [0] * (n - len(visits))], dtype=torch.long)
        with torch.no_grad():
            p, seen = net(torch.tensor([r[1:3]], dtype=torch.float32), events, mask)
        w.writerow([r[0]] + ["%.9g" % v for v in p[0].tolist()])
