#!/usr/bin/python3
"""Writes the text test models, their tokenizer and their own predictions, with Debian's python3-torch.

Usage: make_text_model.py OUT_DIR

Writes:
- OUT_DIR/tokenizer.json: a HuggingFace word-level tokenizer (lowercase, split on words and
  punctuation, [CLS] before every text, [PAD] = 0, [UNK] = 1, [CLS] = 2, then the vocabulary below
  from id 3);
- OUT_DIR/text_mask.pt: a seeded embedding-bag text classifier (token embeddings averaged over the
  attention mask, then a linear layer and a softmax over 2 classes), traced with two int64 inputs
  [batch, 8]: the token ids and the attention mask;
- OUT_DIR/text_ids.pt: the same network taking the ids alone (it masks [PAD] itself);
- OUT_DIR/text_mask.onnx: text_mask.pt exported to ONNX (inputs input_ids, attention_mask), if
  this torch can export without the onnx package;
- OUT_DIR/text_mask_first.onnx: the same ONNX model declaring its inputs the other way round
  (attention_mask, then input_ids);
- OUT_DIR/text_length.pt (scripted) and OUT_DIR/text_length.onnx (length dynamic): the same
  classifier, also returning seen_length [batch, 1], the length of the ids it was fed;
- OUT_DIR/text_dense.pt (traced) and OUT_DIR/text_dense.onnx (inputs input_ids, attention_mask,
  dense): the classifier's pooled text plus a linear layer over two numeric features;
  OUT_DIR/expected_dense.csv: id, d0, d1 (the features, seeded), then its two probabilities;
- OUT_DIR/texts.csv: id, text of each row to score (seeded; some longer than 8 tokens, some with
  words outside the vocabulary, one empty);
- OUT_DIR/expected.csv: id, tokens (the ids this script's own word-level tokenizer gives, truncated
  to 8 and unpadded, space-separated), then the two class probabilities PyTorch computes for the row.

The tokenization here is written independently of HuggingFace's, so a test comparing the two
checks the tokenizer as well as the model.
"""
import csv
import json
import os
import random
import re
import sys

import torch

MAX_LENGTH = 8
VOCAB = ["good", "bad", "movie", "plot", "great", "awful", "actors", "boring", "fun", "not",
         "very", "music", "story", "the", "was", "a", "and", "!", "?", "."]
SPECIAL = ["[PAD]", "[UNK]", "[CLS]"]
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
ids = {t: i for i, t in enumerate(SPECIAL + VOCAB)}


def special(token):
    return {"id": ids[token], "content": token, "single_word": False, "lstrip": False,
            "rstrip": False, "normalized": False, "special": True}


tokenizer = {
    "version": "1.0",
    "truncation": None,
    "padding": None,
    "added_tokens": [special(t) for t in SPECIAL],
    "normalizer": {"type": "Lowercase"},
    "pre_tokenizer": {"type": "Whitespace"},
    "post_processor": {
        "type": "TemplateProcessing",
        "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                   {"Sequence": {"id": "A", "type_id": 0}}],
        "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                 {"Sequence": {"id": "A", "type_id": 0}},
                 {"Sequence": {"id": "B", "type_id": 1}}],
        "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [ids["[CLS]"]], "tokens": ["[CLS]"]}},
    },
    "decoder": None,
    "model": {"type": "WordLevel", "vocab": ids, "unk_token": "[UNK]"},
}
with open(os.path.join(out, "tokenizer.json"), "w") as f:
    json.dump(tokenizer, f, indent=1)


def tokenize(text):
    """HuggingFace's Whitespace pre-tokenizer splits on \\w+ and runs of other non-space chars."""
    words = re.findall(r"\w+|[^\w\s]+", text.lower())
    return [ids["[CLS]"]] + [ids.get(w, ids["[UNK]"]) for w in words]


class TextClassifier(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.bag = torch.nn.EmbeddingBag(len(ids), 8, mode="sum")
        self.out = torch.nn.Linear(8, 2)

    def forward(self, input_ids, attention_mask):
        weights = attention_mask.float()
        weights = weights / weights.sum(dim=1, keepdim=True).clamp(min=1.0)
        pooled = self.bag(input_ids, per_sample_weights=weights)
        return torch.softmax(self.out(pooled), dim=1)


class IdsOnly(torch.nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, input_ids):
        return self.net(input_ids, (input_ids != 0).long())


torch.manual_seed(5)
net = TextClassifier().eval()
with torch.no_grad():
    net.bag.weight.mul_(4.0)
example_ids = torch.zeros(3, MAX_LENGTH, dtype=torch.long)
example_mask = torch.ones(3, MAX_LENGTH, dtype=torch.long)
torch.jit.save(torch.jit.trace(net, (example_ids, example_mask)), os.path.join(out, "text_mask.pt"))
torch.jit.save(torch.jit.trace(IdsOnly(net).eval(), (example_ids,)), os.path.join(out, "text_ids.pt"))
try:
    torch.onnx.export(net, (example_ids, example_mask), os.path.join(out, "text_mask.onnx"),
                      input_names=["input_ids", "attention_mask"], output_names=["probabilities"],
                      dynamic_axes={"input_ids": {0: "batch"}, "attention_mask": {0: "batch"},
                                    "probabilities": {0: "batch"}}, opset_version=13)
except Exception as e:  # noqa: BLE001 - report and go on; the ONNX test then fails by name
    print("no ONNX export: %s" % e, file=sys.stderr)


class MaskFirst(torch.nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, attention_mask, input_ids):
        return self.net(input_ids, attention_mask)


try:
    torch.onnx.export(MaskFirst(net).eval(), (example_mask, example_ids),
                      os.path.join(out, "text_mask_first.onnx"),
                      input_names=["attention_mask", "input_ids"], output_names=["probabilities"],
                      dynamic_axes={"input_ids": {0: "batch"}, "attention_mask": {0: "batch"},
                                    "probabilities": {0: "batch"}}, opset_version=13)
except Exception as e:  # noqa: BLE001 - report and go on; the ONNX test then fails by name
    print("no ONNX export: %s" % e, file=sys.stderr)

class WithLength(torch.nn.Module):
    """The classifier, also returning the length it was fed: a test sees how a batch was padded."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor):
        p = self.net(input_ids, attention_mask)
        seen = torch.ones(input_ids.shape[0], 1) * input_ids.shape[1]
        return p, seen


with_length = WithLength(net).eval()
torch.jit.save(torch.jit.script(with_length), os.path.join(out, "text_length.pt"))
try:
    torch.onnx.export(with_length, (example_ids, example_mask), os.path.join(out, "text_length.onnx"),
                      input_names=["input_ids", "attention_mask"],
                      output_names=["probabilities", "seen_length"],
                      dynamic_axes={"input_ids": {0: "batch", 1: "length"},
                                    "attention_mask": {0: "batch", 1: "length"},
                                    "probabilities": {0: "batch"}, "seen_length": {0: "batch"}},
                      opset_version=13)
except Exception as e:  # noqa: BLE001 - report and go on; the ONNX test then fails by name
    print("no ONNX export: %s" % e, file=sys.stderr)

rng = random.Random(17)
words = VOCAB + ["Spielberg", "popcorn", "GOOD", "Movie"]
rows = []
for i in range(60):
    n = rng.randint(1, 11)
    rows.append((i, " ".join(rng.choice(words) for _ in range(n))))
rows.append((60, ""))
rows.append((61, "good, good movie!!"))
with open(os.path.join(out, "texts.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["id", "text"])
    w.writerows(rows)

with open(os.path.join(out, "expected.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["id", "tokens", "p0", "p1"])
    for i, text in rows:
        tokens = tokenize(text)[:MAX_LENGTH]
        padded = tokens + [0] * (MAX_LENGTH - len(tokens))
        mask = [1] * len(tokens) + [0] * (MAX_LENGTH - len(tokens))
        with torch.no_grad():
            p = net(torch.tensor([padded]), torch.tensor([mask]))[0]
        w.writerow([i, " ".join(str(t) for t in tokens), "%.9g" % p[0].item(), "%.9g" % p[1].item()])


class TextAndDense(torch.nn.Module):
    """The classifier's pooled text beside two numeric features (a review and its account)."""

    def __init__(self, net):
        super().__init__()
        self.net = net
        self.dense = torch.nn.Linear(2, 2)

    def forward(self, input_ids, attention_mask, dense):
        weights = attention_mask.float()
        weights = weights / weights.sum(dim=1, keepdim=True).clamp(min=1.0)
        pooled = self.net.bag(input_ids, per_sample_weights=weights)
        return torch.softmax(self.net.out(pooled) + self.dense(dense), dim=1)


torch.manual_seed(19)
text_dense = TextAndDense(net).eval()
with torch.no_grad():
    text_dense.dense.weight.mul_(3.0)
example_dense = torch.zeros(3, 2)
torch.jit.save(torch.jit.trace(text_dense, (example_ids, example_mask, example_dense)),
               os.path.join(out, "text_dense.pt"))
try:
    torch.onnx.export(text_dense, (example_ids, example_mask, example_dense),
                      os.path.join(out, "text_dense.onnx"),
                      input_names=["input_ids", "attention_mask", "dense"],
                      output_names=["probabilities"],
                      dynamic_axes={"input_ids": {0: "batch"}, "attention_mask": {0: "batch"},
                                    "dense": {0: "batch"}, "probabilities": {0: "batch"}},
                      opset_version=13)
except Exception as e:  # noqa: BLE001 - report and go on; the ONNX test then fails by name
    print("no ONNX export: %s" % e, file=sys.stderr)

# Two numeric features per row (seeded), and the model's probabilities for text and features.
dense_rng = random.Random(37)
with open(os.path.join(out, "expected_dense.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["id", "d0", "d1", "p0", "p1"])
    for i, text in rows:
        d = [round(dense_rng.uniform(-1, 1), 4), round(dense_rng.uniform(-1, 1), 4)]
        tokens = tokenize(text)[:MAX_LENGTH]
        padded = tokens + [0] * (MAX_LENGTH - len(tokens))
        mask = [1] * len(tokens) + [0] * (MAX_LENGTH - len(tokens))
        with torch.no_grad():
            p = text_dense(torch.tensor([padded]), torch.tensor([mask]), torch.tensor([d]))[0]
        w.writerow([i, d[0], d[1], "%.9g" % p[0].item(), "%.9g" % p[1].item()])
