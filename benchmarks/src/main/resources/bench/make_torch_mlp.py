#!/usr/bin/python3
"""Traces an MLP given as JSON layers into TorchScript, for the engine comparison benchmark.

Usage: make_torch_mlp.py LAYERS_JSON OUT_PT

LAYERS_JSON: [{"inputs": n, "outputs": m, "weights": [n*m floats, row-major [n, m]], "bias": [m]}, ...]
The network is Linear, ReLU between layers, and a softmax at the end: the same function as the
ONNX graph OnnxMlpWriter writes from the same layers.
"""
import json
import sys

import torch

layers = json.load(open(sys.argv[1]))
modules = []
for i, layer in enumerate(layers):
    linear = torch.nn.Linear(layer["inputs"], layer["outputs"])
    with torch.no_grad():
        w = torch.tensor(layer["weights"], dtype=torch.float32).reshape(layer["inputs"], layer["outputs"])
        linear.weight.copy_(w.t())
        linear.bias.copy_(torch.tensor(layer["bias"], dtype=torch.float32))
    modules.append(linear)
    if i < len(layers) - 1:
        modules.append(torch.nn.ReLU())
modules.append(torch.nn.Softmax(dim=1))
net = torch.nn.Sequential(*modules).eval()
torch.jit.save(torch.jit.trace(net, torch.zeros(4, layers[0]["inputs"])), sys.argv[2])
