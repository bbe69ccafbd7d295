#!/usr/bin/python3
"""Writes a scripted TorchScript model that reports what it was fed, with Debian's python3-torch.

Usage: make_sequence_types.py OUT_DIR

The model takes `events` [batch, length] and `events_mask` [batch, length] of any element type and
returns one float32 [batch, 5] tensor per row: the element type of events and of the mask (0 for
float32, 1 for int32, 2 for int64, -1 for any other), the length it was fed, the row's mask sum and
the row's sum of events. A test sees from it the types, the padding and each row's alignment.
Writes OUT_DIR/sequence_types.pt, and OUT_DIR/sequence_steps.pt: a model whose first output is
one value per position, [batch, length] (the masked events), and second the length it was fed,
[batch, 1]: its output widths follow each batch's longest row.
"""
import os
import sys
from typing import Tuple

import torch

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def code(t: torch.Tensor) -> float:
    if t.dtype == torch.float32:
        return 0.0
    if t.dtype == torch.int32:
        return 1.0
    if t.dtype == torch.int64:
        return 2.0
    return -1.0


class Types(torch.nn.Module):
    def forward(self, events: torch.Tensor, events_mask: torch.Tensor) -> torch.Tensor:
        rows = events.shape[0]
        ones = torch.ones(rows, 1)
        return torch.cat([ones * code(events), ones * code(events_mask),
                          ones * float(events.shape[1]),
                          events_mask.to(torch.float32).sum(dim=1, keepdim=True),
                          events.to(torch.float32).sum(dim=1, keepdim=True)], dim=1)


torch.jit.save(torch.jit.script(Types().eval()), os.path.join(out, "sequence_types.pt"))


class Steps(torch.nn.Module):
    def forward(self, events: torch.Tensor,
                events_mask: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        steps = events.to(torch.float32) * events_mask.to(torch.float32)
        return steps, torch.ones(events.shape[0], 1) * float(events.shape[1])


torch.jit.save(torch.jit.script(Steps().eval()), os.path.join(out, "sequence_steps.pt"))
