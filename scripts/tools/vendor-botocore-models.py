#!/usr/bin/env python3
"""Vendors the AWS service-model shapes the project's API requests use into test/fixtures/aws-models/.

The request validator of the `--target aws` tests (test/helpers/aws-request-validator.ts) checks every request the
tests send against AWS's own service models: required members, string lengths, patterns, enums, numeric ranges,
list/map sizes, unions and unknown members. The AWS SDK for JavaScript v2 models carry none of those constraints;
botocore's JSON models carry all of them. CI machines need not have botocore, so this script copies only what is
needed:

  1. scans lib/, scripts/, components/, infra/ for `import { ...Command } from "@aws-sdk/client-<service>"`,
  2. takes each command's operation from the installed botocore's `data/<service>/<version>/service-2.json(.gz)`,
  3. keeps its input shape and every shape it reaches, with the validation traits only (no documentation),
  4. writes test/fixtures/aws-models/<service>.json and PROVENANCE.md (botocore version, licence, operations).

Run with the python3 that has botocore (pip): `python3 scripts/tools/vendor-botocore-models.py [--check]`.
`--check` exits non-zero when the vendored files differ from what the installed botocore would produce.
botocore is Apache-2.0 (https://github.com/boto/botocore/blob/develop/LICENSE.txt), like this project.
"""
import gzip
import json
import os
import re
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "test", "fixtures", "aws-models")
SCAN = ["lib", "scripts", "components", "infra"]
# npm client package suffix -> botocore service directory
CLIENTS = {
    "sagemaker": "sagemaker",
    "sagemaker-runtime": "sagemaker-runtime",
    "sagemaker-featurestore-runtime": "sagemaker-featurestore-runtime",
    "s3": "s3",
    "cloudwatch": "cloudwatch",
}
SHAPE_KEYS = ["type", "required", "min", "max", "pattern", "enum", "union", "document", "streaming", "sensitive", "timestampFormat", "exception"]
MEMBER_KEYS = ["shape", "location", "locationName", "idempotencyToken", "hostLabel", "deprecated", "streaming", "jsonvalue"]


def scan_commands():
    found = {}
    imp = re.compile(r"import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*[\"']@aws-sdk/client-([a-z0-9-]+)[\"']", re.S)
    for top in SCAN:
        for dirpath, dirnames, filenames in os.walk(os.path.join(ROOT, top)):
            dirnames[:] = [d for d in dirnames if d not in ("node_modules", ".git")]
            for f in filenames:
                if not f.endswith(".ts"):
                    continue
                text = open(os.path.join(dirpath, f), encoding="utf8").read()
                for names, client in imp.findall(text):
                    for n in names.split(","):
                        n = n.strip().split(" as ")[0].strip()
                        if n.endswith("Command") and n != "Command":
                            found.setdefault(client, set()).add(n[: -len("Command")])
    return found


def load_model(botocore_dir, service):
    base = os.path.join(botocore_dir, "data", service)
    version = sorted(os.listdir(base))[-1]
    for name in ("service-2.json", "service-2.json.gz"):
        p = os.path.join(base, version, name)
        if os.path.exists(p):
            opener = gzip.open if p.endswith(".gz") else open
            with opener(p, "rt", encoding="utf8") as fh:
                return version, json.load(fh)
    raise SystemExit(f"no service-2.json for {service} in {base}/{version}")


def reach(model, start, keep):
    stack = [start]
    while stack:
        name = stack.pop()
        if name in keep:
            continue
        shape = model["shapes"][name]
        out = {k: shape[k] for k in SHAPE_KEYS if k in shape}
        if shape["type"] == "structure":
            out["members"] = {m: {k: v for k, v in spec.items() if k in MEMBER_KEYS} for m, spec in shape.get("members", {}).items()}
            stack.extend(spec["shape"] for spec in shape.get("members", {}).values())
        elif shape["type"] == "list":
            out["member"] = {"shape": shape["member"]["shape"]}
            stack.append(shape["member"]["shape"])
        elif shape["type"] == "map":
            out["key"] = {"shape": shape["key"]["shape"]}
            out["value"] = {"shape": shape["value"]["shape"]}
            stack.extend([shape["key"]["shape"], shape["value"]["shape"]])
        keep[name] = out


def build():
    import botocore

    bdir = os.path.dirname(botocore.__file__)
    commands = scan_commands()
    files = {}
    prov_rows = []
    for client, ops in sorted(commands.items()):
        service = CLIENTS.get(client)
        if not service:
            raise SystemExit(f"@aws-sdk/client-{client} is imported but not mapped to a botocore service in CLIENTS; add it")
        version, model = load_model(bdir, service)
        shapes = {}
        operations = {}
        for op in sorted(ops):
            if op not in model["operations"]:
                raise SystemExit(f"{op}Command of @aws-sdk/client-{client}: botocore {botocore.__version__} has no operation {service}.{op}")
            spec = model["operations"][op]
            inp = spec.get("input", {}).get("shape")
            operations[op] = {"input": inp}
            if inp:
                reach(model, inp, shapes)
        meta = {k: model["metadata"][k] for k in ("apiVersion", "protocol", "serviceId", "endpointPrefix") if k in model["metadata"]}
        files[f"{service}.json"] = {
            "service": service,
            "client": f"@aws-sdk/client-{client}",
            "botocore": botocore.__version__,
            "modelVersion": version,
            "metadata": meta,
            "operations": operations,
            "shapes": dict(sorted(shapes.items())),
        }
        prov_rows.append(f"| `{service}` | `@aws-sdk/client-{client}` | {version} | {len(operations)} | {len(shapes)} | {', '.join(sorted(operations))} |")
    unused = sorted(set(CLIENTS) - set(commands))
    prov = f"""# Provenance of the vendored AWS service models

Generated by `scripts/tools/vendor-botocore-models.py` from **botocore {botocore.__version__}**
(`data/<service>/<version>/service-2.json`), the AWS service models as published by AWS in botocore,
licensed under the **Apache License 2.0** (https://github.com/boto/botocore/blob/develop/LICENSE.txt; this project
is Apache-2.0 too). Only the input shapes of the operations this project calls are kept, with their validation
traits (type, required, min, max, pattern, enum, union, member locations); documentation is dropped.

Regenerate after adding an AWS call: `python3 scripts/tools/vendor-botocore-models.py` (needs `pip install botocore`);
`--check` tells whether the files are current for the installed botocore.

| Service | npm client | Model version | Operations | Shapes | Operations kept |
|---|---|---|---|---|---|
""" + "\n".join(prov_rows) + "\n"
    if unused:
        prov += f"\nClients scanned for but not called by the project: {', '.join('@aws-sdk/client-' + c for c in unused)}.\n"
    files["PROVENANCE.md"] = prov
    return files


def main():
    check = "--check" in sys.argv
    files = build()
    os.makedirs(OUT, exist_ok=True)
    stale = []
    for name, content in files.items():
        text = content if isinstance(content, str) else json.dumps(content, separators=(",", ":"), sort_keys=False) + "\n"
        path = os.path.join(OUT, name)
        if check:
            if not os.path.exists(path) or open(path, encoding="utf8").read() != text:
                stale.append(name)
            continue
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    if check:
        if stale:
            print(f"stale vendored models: {', '.join(stale)}; run python3 scripts/tools/vendor-botocore-models.py", file=sys.stderr)
            sys.exit(1)
        print("vendored models are current")
    else:
        total = sum(os.path.getsize(os.path.join(OUT, n)) for n in files)
        print(f"wrote {len(files)} files to {os.path.relpath(OUT, ROOT)} ({total} bytes)")


if __name__ == "__main__":
    main()
