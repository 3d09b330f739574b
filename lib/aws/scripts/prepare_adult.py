#!/usr/bin/env python3
"""
Prepare step of the AWS target, run by a SageMaker processing job (SKLearn container, standard library only).

Same rules as lib/data/prepare.ts, driven by the same schema (schema.json, written from ADULT_SCHEMA by the step and
uploaded next to this script): trim fields, map missing tokens to empty (NULL), strip the test file's label suffix
and map labels, coerce and range-check numeric columns, drop exact duplicates per file, record_id =
<data|test>-<first 16 hex of sha256 of the cleaned row as compact JSON>, and a stratified train/validation split of the
train file with the same seeded mulberry32 shuffle, so both targets produce the same splits for the same seed.

Inputs : /opt/ml/processing/input/raw/{adult.data,adult.test}, /opt/ml/processing/input/code/schema.json
Outputs: /opt/ml/processing/output/{train,validation,test}.csv (header: record_id,event_time,<features>,label)
         /opt/ml/processing/output/data-quality-report.json
"""
import argparse
import csv
import hashlib
import json
import os
import sys

ROOT = "/opt/ml/processing"
DROP_REASONS = ["malformed_row", "non_utf8", "type_coercion", "out_of_range", "missing_required", "unknown_label", "duplicate"]
INT_CHARS = set("0123456789")


def mulberry32(seed):
    state = [seed & 0xFFFFFFFF]

    def imul(a, b):
        return (a * b) & 0xFFFFFFFF

    def rnd():
        state[0] = (state[0] + 0x6D2B79F5) & 0xFFFFFFFF
        t = state[0]
        t = imul(t ^ (t >> 15), t | 1)
        t ^= (t + imul(t ^ (t >> 7), t | 61)) & 0xFFFFFFFF
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296.0

    return rnd


def is_int(s):
    body = s[1:] if s[:1] in "+-" else s
    return body != "" and set(body) <= INT_CHARS


def parse(path, schema, tag):
    cols = schema["columns"]
    label = schema["label"]
    missing = set(schema["missingTokens"])
    with open(path, "rb") as f:
        raw_lines = f.read().split(b"\n")
    header = raw_lines[0].decode("utf-8", "replace").strip().split(schema["delimiter"])
    expected = [c["name"] for c in cols] + [label["sourceColumn"]]
    if [h.strip() for h in header] != expected:
        sys.exit("%s: header %r is not the expected %r; supply the Adult files with their header line" % (path, header, expected))
    q = {"file": os.path.basename(path), "dataLines": 0, "blankLines": 0, "rowsKept": 0, "rowsDropped": 0,
         "dropped": {r: 0 for r in DROP_REASONS}, "missingToNull": {c["name"]: 0 for c in cols}}
    rows, seen = [], {}
    for line_no, b in enumerate(raw_lines[1:], start=2):
        try:
            text = b.decode("utf-8").rstrip("\r")
        except UnicodeDecodeError:
            q["dataLines"] += 1
            q["dropped"]["non_utf8"] += 1
            continue
        if text.strip() == "":
            q["blankLines"] += 1
            continue
        q["dataLines"] += 1
        fields = text.split(schema["delimiter"])
        reason = None
        values = []
        if len(fields) != len(cols) + 1:
            reason = "malformed_row"
        else:
            for spec, field in zip(cols, fields):
                v = field.strip()
                if v in missing:
                    if not spec.get("nullable"):
                        reason = "missing_required"
                        break
                    values.append(None)
                    continue
                if spec["type"] == "categorical":
                    values.append(v)
                    continue
                if spec["type"] == "integer":
                    if not is_int(v):
                        reason = "type_coercion"
                        break
                    n = int(v)
                else:
                    try:
                        n = float(v)
                    except ValueError:
                        reason = "type_coercion"
                        break
                if ("min" in spec and n < spec["min"]) or ("max" in spec and n > spec["max"]):
                    reason = "out_of_range"
                    break
                values.append(n)
        if reason is None:
            lab = fields[len(cols)].strip()
            suffix = label.get("stripSuffix")
            if suffix and lab.endswith(suffix):
                lab = lab[: -len(suffix)]
            if lab not in label["mapping"]:
                reason = "unknown_label"
            else:
                y = label["mapping"][lab]
                key = json.dumps(values + [y], separators=(",", ":"))
                if key in seen:
                    reason = "duplicate"
        if reason is not None:
            q["dropped"][reason] += 1
            q["rowsDropped"] += 1
            continue
        seen[key] = line_no
        row = {"record_id": "%s-%s" % (tag, hashlib.sha256(key.encode("utf-8")).hexdigest()[:16])}
        for spec, v in zip(cols, values):
            row[spec["name"]] = v
            if v is None:
                q["missingToNull"][spec["name"]] += 1
        row[label["name"]] = y
        rows.append(row)
    q["rowsKept"] = len(rows)
    if not rows:
        sys.exit("%s: no usable rows (%s); supply data rows in the Adult format" % (path, json.dumps(q["dropped"])))
    return rows, q


def stratified_split(rows, label_name, fraction, seed):
    by_class = {}
    for i, r in enumerate(rows):
        by_class.setdefault(str(r[label_name]), []).append(i)
    rnd = mulberry32(seed)
    is_val = [False] * len(rows)
    for k in sorted(by_class):
        idx = by_class[k]
        for i in range(len(idx) - 1, 0, -1):
            j = int(rnd() * (i + 1))
            idx[i], idx[j] = idx[j], idx[i]
        for i in range(int(len(idx) * fraction + 0.5)):
            is_val[idx[i]] = True
    train = [r for i, r in enumerate(rows) if not is_val[i]]
    val = [r for i, r in enumerate(rows) if is_val[i]]
    return train, val


def write_csv(path, rows, columns):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            w.writerow(["" if r.get(c) is None else r.get(c) for c in columns])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--validation-fraction", type=float, default=0.2)
    ap.add_argument("--event-time", default="2026-01-01T00:00:00.000Z")
    ap.add_argument("--root", default=ROOT)
    a = ap.parse_args()
    with open(os.path.join(a.root, "input", "code", "schema.json")) as f:
        schema = json.load(f)
    raw = os.path.join(a.root, "input", "raw")
    tr_rows, tr_q = parse(os.path.join(raw, "adult.data"), schema, "data")
    te_rows, te_q = parse(os.path.join(raw, "adult.test"), schema, "test")
    for r in tr_rows + te_rows:
        r["event_time"] = a.event_time
    train, val = stratified_split(tr_rows, schema["label"]["name"], a.validation_fraction, a.seed)
    out = os.path.join(a.root, "output")
    os.makedirs(out, exist_ok=True)
    columns = ["record_id", "event_time"] + [c["name"] for c in schema["columns"]] + [schema["label"]["name"]]
    splits = {"train": train, "validation": val, "test": te_rows}
    summary = {}
    for name, rows in splits.items():
        write_csv(os.path.join(out, name + ".csv"), rows, columns)
        pos = sum(1 for r in rows if r[schema["label"]["name"]] == schema["label"]["positive"])
        summary[name] = {"rows": len(rows), "positives": pos, "positiveRate": pos / len(rows) if rows else 0}
    report = {"dataset": schema["name"], "parameters": {"validationFraction": a.validation_fraction, "seed": a.seed, "eventTime": a.event_time},
              "inputs": {"train": tr_q, "test": te_q}, "splits": summary, "columns": columns}
    with open(os.path.join(out, "data-quality-report.json"), "w") as f:
        json.dump(report, f, indent=2)
    print(json.dumps({"splits": summary}))


if __name__ == "__main__":
    main()
