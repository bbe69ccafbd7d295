#!/usr/bin/python3
"""Trains the XGBoost test model with Debian's python3-xgboost and writes its own predictions.

Usage: train_xgboost.py OUT_DIR

Writes OUT_DIR/model.json and OUT_DIR/model.ubj (the same booster in XGBoost's JSON and UBJ
formats), OUT_DIR/rows.csv (id then the features f0..f5 of each row to score) and
OUT_DIR/expected.csv (id, probability, margin as XGBoost's Python API predicts them). The data is
synthetic and seeded, so the files are the same on every run.
"""
import os
import sys

import numpy as np
import xgboost as xgb

FEATURES = 6
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(7)
x = rng.normal(size=(2000, FEATURES)).astype(np.float32)
# Every feature matters, each differently, so a wrong feature order changes the predictions.
weights = np.array([1.5, -2.0, 0.7, 0.0, 1.1, -0.4], dtype=np.float32)
y = (x @ weights + 0.5 * x[:, 3] ** 2 + rng.normal(scale=0.3, size=2000) > 0.4).astype(np.float32)
booster = xgb.train(
    {"objective": "binary:logistic", "max_depth": 4, "eta": 0.3, "nthread": 1, "seed": 7},
    xgb.DMatrix(x, label=y),
    num_boost_round=25,
)
booster.save_model(os.path.join(out, "model.json"))
booster.save_model(os.path.join(out, "model.ubj"))

rows = rng.normal(size=(300, FEATURES)).astype(np.float32)
d = xgb.DMatrix(rows)
probability = booster.predict(d)
margin = booster.predict(d, output_margin=True)
with open(os.path.join(out, "rows.csv"), "w") as f:
    for i, r in enumerate(rows):
        f.write(",".join([str(i)] + [repr(float(v)) for v in r]) + "\n")
with open(os.path.join(out, "expected.csv"), "w") as f:
    for i in range(len(rows)):
        f.write(f"{i},{float(probability[i])!r},{float(margin[i])!r}\n")
