#!/usr/bin/python3
"""Writes the text model of the engine benchmark with Debian's python3-torch.

Usage: make_text_bench.py WORDS OUT_DIR

OUT_DIR/tokenizer.json: a HuggingFace word-level tokenizer over the words w0 .. w{WORDS-1}
([PAD] = 0, [UNK] = 1, [CLS] = 2 before every text, then the words from id 3).
OUT_DIR/text.onnx: a seeded one-layer transformer encoder (embeddings of 64, 4 heads, a
feed-forward of 128), mean-pooled over the attention mask, then a linear layer and a softmax over
2 classes; inputs input_ids and attention_mask, int64 [batch, length] with batch and length
dynamic, so it takes either padding.
"""
import json
import os
import sys

import torch

words = int(sys.argv[1])
out = sys.argv[2]
os.makedirs(out, exist_ok=True)
vocab = {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2}
for i in range(words):
    vocab["w%d" % i] = i + 3


def special(token):
    return {"id": vocab[token], "content": token, "single_word": False, "lstrip": False,
            "rstrip": False, "normalized": False, "special": True}


tokenizer = {
    "version": "1.0", "truncation": None, "padding": None,
    "added_tokens": [special(t) for t in ["[PAD]", "[UNK]", "[CLS]"]],
    "normalizer": None, "pre_tokenizer": {"type": "Whitespace"},
    "post_processor": {
        "type": "TemplateProcessing",
        "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
        "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                 {"Sequence": {"id": "B", "type_id": 1}}],
        "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [2], "tokens": ["[CLS]"]}},
    },
    "decoder": None,
    "model": {"type": "WordLevel", "vocab": vocab, "unk_token": "[UNK]"},
}
with open(os.path.join(out, "tokenizer.json"), "w") as f:
    json.dump(tokenizer, f)


class Encoder(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = torch.nn.Embedding(len(vocab), 64)
        self.layer = torch.nn.TransformerEncoderLayer(64, 4, dim_feedforward=128, dropout=0.0,
                                                      batch_first=True)
        self.out = torch.nn.Linear(64, 2)

    def forward(self, input_ids, attention_mask):
        x = self.layer(self.embed(input_ids), src_key_padding_mask=attention_mask == 0)
        m = attention_mask.unsqueeze(2).float()
        pooled = (x * m).sum(dim=1) / m.sum(dim=1).clamp(min=1.0)
        return torch.softmax(self.out(pooled), dim=1)


torch.manual_seed(11)
net = Encoder().eval()
ids = torch.randint(3, len(vocab), (2, 16))
mask = torch.ones(2, 16, dtype=torch.long)
torch.onnx.export(net, (ids, mask), os.path.join(out, "text.onnx"),
                  input_names=["input_ids", "attention_mask"], output_names=["probabilities"],
                  dynamic_axes={"input_ids": {0: "batch", 1: "length"},
                                "attention_mask": {0: "batch", 1: "length"},
                                "probabilities": {0: "batch"}},
                  opset_version=13)
