#!/usr/bin/python3
"""Trains the XGBoost model of the engine comparison benchmark with Debian's python3-xgboost.

Usage: train_xgboost_bench.py TRAIN_CSV OUT_JSON

TRAIN_CSV: label, then the features of each row, no header. 100 trees of depth 6, binary:logistic,
seeded; saved in XGBoost's JSON format.
"""
import sys

import numpy
import xgboost

data = numpy.loadtxt(sys.argv[1], delimiter=",", dtype=numpy.float32)
train = xgboost.DMatrix(data[:, 1:], label=data[:, 0])
params = {"objective": "binary:logistic", "max_depth": 6, "eta": 0.3, "nthread": 1, "seed": 7}
xgboost.train(params, train, num_boost_round=100).save_model(sys.argv[2])
