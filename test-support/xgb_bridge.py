"""Reference runner for interoperability tests/bench: python3-xgboost 1.7.x.

Usage: python3 xgb_bridge.py <command.json>
Matrices are exchanged as raw little-endian float32 files (row-major, NaN = missing).
"""
import json
import sys
import time

import numpy as np
import xgboost as xgb


def load_matrix(spec):
    x = np.fromfile(spec["values"], dtype="<f4").reshape(spec["nRows"], spec["nCols"])
    y = np.fromfile(spec["labels"], dtype="<f4") if spec.get("labels") else None
    return x, y


def main():
    cmd = json.load(open(sys.argv[1]))
    out = {"version": xgb.__version__}
    if cmd["op"] == "predict":
        booster = xgb.Booster()
        booster.load_model(cmd["model"])
        x, _ = load_matrix(cmd["data"])
        d = xgb.DMatrix(x, missing=np.nan)
        p = booster.predict(d, validate_features=False).astype("<f4")
        p.tofile(cmd["out"])
        out["num_trees"] = len(booster.get_dump())
    elif cmd["op"] == "train":
        xtr, ytr = load_matrix(cmd["train"])
        xte, _ = load_matrix(cmd["test"])
        t0 = time.perf_counter()
        dtr = xgb.DMatrix(xtr, label=ytr, missing=np.nan)
        params = dict(cmd["params"])
        num_round = int(params.pop("num_round"))
        booster = xgb.train(params, dtr, num_boost_round=num_round)
        out["train_seconds"] = time.perf_counter() - t0
        booster.save_model(cmd["model"])
        p = booster.predict(xgb.DMatrix(xte, missing=np.nan)).astype("<f4")
        p.tofile(cmd["out"])
    else:
        raise SystemExit("unknown op " + cmd["op"])
    print(json.dumps(out))


if __name__ == "__main__":
    main()
