"""Preprocessing container of the platform's SageMaker inference pipeline.

Runs in AWS's prebuilt scikit-learn serving container (sagemaker-scikit-learn, first container of a two-container
pipeline model; the second is the built-in XGBoost container with the trained model). The container imports this
file as the user module named by SAGEMAKER_PROGRAM from SAGEMAKER_SUBMIT_DIRECTORY and serves it with the
model_fn / input_fn / predict_fn / output_fn contract of the SageMaker scikit-learn serving stack
(aws/sagemaker-scikit-learn-container serving.py on sagemaker_containers' Transformer and Worker):

  model_fn(model_dir)                 -> the persisted feature transform (<model_dir>/transform.json, written by
                                         lib/features fitTransform and packed by lib/aws/preprocess.ts)
  input_fn(request_body, content_type)-> decoded raw rows (or the error answer)
  predict_fn(data, model)             -> the model features of every row (or the error answer)
  output_fn(prediction, accept)       -> (CSV of the features, "text/csv") for the XGBoost container, or an error
                                         response (status 400/406/415, application/json)

This is a port of lib/features (Transform.applyCsvLine / applyRecord) and of the request decoding of lib/serving
(model.ts featuresFromCsv / featuresFromJson, server.ts content type / accept / empty-body checks): the same raw
record gives byte-for-byte the same features (float32, written as lib/training's float32Text like the features
step's model-input CSV) and a bad request gives the same status and the same JSON error
{"error": <code>, "message": <text>} as the local endpoint. test/serving/preprocess-parity.test.ts checks the
features on the whole test split; test/serving/pipeline-contract.test.ts checks the answers request by request.
JavaScript semantics are reproduced where they show: String.prototype.trim's whitespace, Number(string),
Number::toString, JSON.stringify, UTF-16 string slicing.

Standard library only (no numpy / pandas): the same file runs unchanged in every scikit-learn container version and
in the local emulation (lib/serving/pipeline.ts), and cannot drift with a library's parsing rules.
"""

import json
import math
import os
import re
import struct
from decimal import ROUND_HALF_UP, Decimal

TRANSFORM_FORMAT = "ml-platform/feature-transform"
TRANSFORM_VERSION = 1
SUPPORTED_ACCEPT = ("text/csv", "application/json", "application/jsonlines")

# ---- JavaScript semantics ----------------------------------------------------------------------------------------

# ECMAScript WhiteSpace + LineTerminator (String.prototype.trim, StringToNumber).
_JS_WS = "\t\n\x0b\x0c\r \xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)
_RADIX = re.compile(r"0(?:([xX])([0-9a-fA-F]+)|([oO])([0-7]+)|([bB])([01]+))", re.ASCII)


def js_trim(s):
    return s.strip(_JS_WS)


def js_number(s):
    """Number(s) for a string."""
    t = js_trim(s)
    if t == "":
        return 0.0
    if _DECIMAL.fullmatch(t):
        return float(t)
    if t in ("Infinity", "+Infinity"):
        return math.inf
    if t == "-Infinity":
        return -math.inf
    m = _RADIX.fullmatch(t)
    if m:
        base, digits = (16, m.group(2)) if m.group(1) else (8, m.group(4)) if m.group(3) else (2, m.group(6))
        try:
            return float(int(digits, base))
        except OverflowError:
            return math.inf
    return math.nan


def js_number_to_string(x):
    """Number::toString(x) (shortest round-trip digits, JavaScript's notation rules)."""
    if x != x:
        return "NaN"
    if x == 0:
        return "0"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x < 0:
        return "-" + js_number_to_string(-x)
    mant, _, exp = repr(float(x)).partition("e")
    ip, _, fp = mant.partition(".")
    digits = ip + fp
    point = len(ip) + (int(exp) if exp else 0)
    lead = len(digits) - len(digits.lstrip("0"))
    digits = digits[lead:].rstrip("0")
    n = point - lead
    k = len(digits)
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * (-n) + digits
    e = n - 1
    sign = "+" if e >= 0 else "-"
    return (digits if k == 1 else digits[0] + "." + digits[1:]) + "e" + sign + str(abs(e))


def js_slice(s, n):
    """s.slice(0, n) on UTF-16 code units (an astral character cut in half leaves its high surrogate)."""
    units = 0
    for i, ch in enumerate(s):
        w = 2 if ord(ch) > 0xFFFF else 1
        if units + w > n:
            if w == 2 and units + 1 == n:
                return s[:i] + chr(0xD800 + ((ord(ch) - 0x10000) >> 10))
            return s[:i]
        units += w
    return s


_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _js_json_string(s):
    out = ['"']
    for ch in s:
        c = ord(ch)
        if ch in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[ch])
        elif c < 0x20 or 0xD800 <= c <= 0xDFFF:
            out.append("\\u%04x" % c)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def js_json(v):
    """JSON.stringify(v) for JSON-parsed values (compact, insertion order, JavaScript number notation)."""
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, (int, float)):
        x = float(v)
        return js_number_to_string(x) if math.isfinite(x) else "null"
    if isinstance(v, str):
        return _js_json_string(v)
    if isinstance(v, list):
        return "[" + ",".join(js_json(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ",".join(_js_json_string(k) + ":" + js_json(x) for k, x in v.items()) + "}"
    return "null"


def _reject_constant(name):
    raise ValueError("JSON does not allow " + name)


def js_json_parse(text):
    """JSON.parse: numbers are doubles (integers too), NaN/Infinity literals are not JSON."""
    return json.loads(text, parse_int=float, parse_constant=_reject_constant)


def f32(x):
    """Math.fround(x): nearest float32 (round half to even), overflow to +-Infinity."""
    if x != x:
        return x
    try:
        return struct.unpack("<f", struct.pack("<f", x))[0]
    except OverflowError:
        return math.copysign(math.inf, x)


def _to_precision_value(x, p):
    """The value of x.toPrecision(p): p significant digits, ties away from zero (ECMAScript picks the larger n)."""
    if x == 0:
        return 0.0
    d = Decimal(x)
    q = Decimal(1).scaleb(d.adjusted() - p + 1)
    return float(d.quantize(q, rounding=ROUND_HALF_UP))


def float32_text(v):
    """lib/training float32Text: the shortest decimal (1-9 significant digits) that reads back as the same float32."""
    f = f32(v)
    for p in range(1, 10):
        t = _to_precision_value(f, p)
        if f32(t) == f:
            return js_number_to_string(t)
    return js_number_to_string(f)


def split_delimited(line, delimiter=","):
    """lib/data splitDelimited: RFC-4180-style quotes when the line has any."""
    if '"' not in line:
        return line.split(delimiter)
    fields = []
    cur = []
    in_quotes = False
    i = 0
    n = len(line)
    while i < n:
        ch = line[i]
        if in_quotes:
            if ch == '"':
                if i + 1 < n and line[i + 1] == '"':
                    cur.append('"')
                    i += 1
                else:
                    in_quotes = False
            else:
                cur.append(ch)
        elif ch == '"' and js_trim("".join(cur)) == "":
            in_quotes = True
            cur = []
        elif line.startswith(delimiter, i):
            fields.append("".join(cur))
            cur = []
            i += len(delimiter) - 1
        else:
            cur.append(ch)
        i += 1
    fields.append("".join(cur))
    return fields


# ---- the feature transform (lib/features Transform) ---------------------------------------------------------------


class FeatureTransformError(Exception):
    pass


class Transform:
    def __init__(self, state):
        if not isinstance(state, dict) or state.get("format") != TRANSFORM_FORMAT:
            got = js_json(state.get("format")) if isinstance(state, dict) and "format" in state else "undefined"
            raise FeatureTransformError(
                'not a feature transform: expected format "%s", got %s; load the transform.json written by fitTransform' % (TRANSFORM_FORMAT, got)
            )
        if state.get("version") != TRANSFORM_VERSION:
            raise FeatureTransformError(
                "unsupported transform version %s (this code reads version %d); refit the transform with this version" % (state.get("version"), TRANSFORM_VERSION)
            )
        self.state = state
        self.feature_names = list(state["featureNames"])
        self.n_cols = len(self.feature_names)
        self.missing = set(state["missingTokens"])
        self.numeric = state["numeric"]
        self.categorical = state["categorical"]
        self.input_columns = list(state["inputColumns"])
        offset = len(self.numeric)
        self.cat_index = []
        self.cat_offset = []
        for c in self.categorical:
            self.cat_index.append({v: i for i, v in enumerate(c["categories"])})
            self.cat_offset.append(offset)
            offset += len(c["categories"]) + 2 if c["encoding"] == "onehot" else 1
        if offset != self.n_cols:
            raise FeatureTransformError("corrupt transform: %d feature names but the encoders produce %d columns" % (self.n_cols, offset))
        num_pos = {n["name"]: i for i, n in enumerate(self.numeric)}
        cat_pos = {c["name"]: j for j, c in enumerate(self.categorical)}
        self.input_slots = [num_pos[n] if n in num_pos else (-(cat_pos[n] + 1) if n in cat_pos else None) for n in self.input_columns]

    def _is_missing(self, v):
        if v is None:
            return True
        if isinstance(v, float):
            return v != v
        return js_trim(v) in self.missing

    def _encode_numeric(self, i, v, out):
        spec = self.numeric[i]
        if self._is_missing(v):
            if spec["missing"] == "median" and spec.get("median") is not None:
                x = float(spec["median"])
            else:
                out[i] = math.nan
                return
        elif isinstance(v, float):
            x = v
        else:
            x = js_number(v)
            if not math.isfinite(x):
                raise FeatureTransformError(
                    'column "%s": value "%s" is not a number; send a number, or "?"/empty for missing' % (spec["name"], js_slice(v, 40))
                )
        if not math.isfinite(x):
            raise FeatureTransformError('column "%s": value %s is not finite; send a finite number, or "?"/empty for missing' % (spec["name"], js_number_to_string(x)))
        y = (-math.log1p(-x) if x < 0 else math.log1p(x)) if spec["transform"] == "log1p" else x
        if not math.isfinite(f32(y)):
            raise FeatureTransformError(
                'column "%s": value %s is outside the float32 range of the model features (magnitude below 3.4e38); send a smaller number'
                % (spec["name"], js_number_to_string(x))
            )
        out[i] = y

    def _encode_categorical(self, j, v, out):
        spec = self.categorical[j]
        k = len(spec["categories"])
        if self._is_missing(v):
            code = k + 1
        else:
            key = js_trim(v) if isinstance(v, str) else js_number_to_string(v)
            code = self.cat_index[j].get(key, k)
        off = self.cat_offset[j]
        if spec["encoding"] == "onehot":
            for t in range(k + 2):
                out[off + t] = 0.0
            out[off + code] = 1.0
        else:
            out[off] = float(code)

    def apply_record(self, row):
        """Transform.applyRecord: numeric columns in spec order, then categorical ones; absent keys are missing."""
        out = [0.0] * self.n_cols
        for i, n in enumerate(self.numeric):
            self._encode_numeric(i, row.get(n["name"]), out)
        for j, c in enumerate(self.categorical):
            self._encode_categorical(j, row.get(c["name"]), out)
        return out

    def apply_csv_line(self, line):
        """Transform.applyCsvLine: the raw input columns in inputColumns order."""
        text = line
        if text.endswith("\n"):
            text = text[:-1]
        if text.endswith("\r"):
            text = text[:-1]
        fields = split_delimited(text, ",")
        if len(fields) != len(self.input_slots):
            raise FeatureTransformError(
                "CSV line has %d fields but the transform expects %d (%s); send exactly these columns in this order, without the label"
                % (len(fields), len(self.input_slots), ",".join(self.input_columns))
            )
        out = [0.0] * self.n_cols
        for p, s in enumerate(self.input_slots):
            if s is None:
                continue
            if s >= 0:
                self._encode_numeric(s, fields[p], out)
            else:
                self._encode_categorical(-s - 1, fields[p], out)
        return out


def load_transform(path):
    if not os.path.exists(path):
        raise FeatureTransformError("%s: transform file not found; pack transform.json next to code/ in the preprocessing model archive" % path)
    with open(path, encoding="utf-8") as f:
        try:
            state = json.load(f)
        except ValueError as e:
            raise FeatureTransformError("%s: not valid JSON (%s); refit the transform" % (path, e))
    return Transform(state)


# ---- request decoding (lib/serving model.ts / server.ts) ------------------------------------------------------------


class InvocationError(Exception):
    def __init__(self, status, code, message):
        Exception.__init__(self, message)
        self.status = status
        self.code = code
        self.message = message


def media_type(h):
    if not h:
        return ""
    return js_trim(h.split(";", 1)[0]).lower()


def pick_accept(h):
    if not h or js_trim(h) == "":
        return "text/csv"
    for part in h.split(","):
        m = media_type(part)
        if m in ("*/*", "text/*"):
            return "text/csv"
        if m in SUPPORTED_ACCEPT:
            return m
        if m == "application/*":
            return "application/json"
    return None


def _csv_rows(text):
    rows = []
    for piece in text.split("\n"):
        line = piece[:-1] if piece.endswith("\r") else piece
        if js_trim(line) != "":
            rows.append(line)
    return rows


def decode(body, content_type):
    """Content type and body checks, then the raw rows: ("csv", [line, ...]) or ("json", [record, ...])."""
    ct = media_type(content_type) if content_type else "text/csv"
    if ct not in ("text/csv", "application/json"):
        raise InvocationError(415, "unsupported_content_type", 'Content-Type "%s" is not supported; send text/csv or application/json' % (content_type or "text/csv"))
    # Bodies that are not UTF-8 are refused as the local endpoint refuses them (lib/serving/server.ts): never scored on
    # replacement characters. The framework in front of input_fn decodes text/csv and application/json bodies itself,
    # replacing invalid bytes with U+FFFD (werkzeug's get_data(as_text=True)), so the script sees the replacement:
    # the bytes before it were valid, and their UTF-8 length is the offset of the first invalid byte. (A client that
    # sends a literal U+FFFD is refused too: it cannot be told apart from a replacement.)
    text = bytes(body).decode("utf-8", "replace") if isinstance(body, (bytes, bytearray)) else (body or "")
    bad = text.find("\ufffd")
    if bad >= 0:
        raise InvocationError(400, "invalid_encoding", "the %s request body is not valid UTF-8 (first invalid byte at offset %d); re-encode it as UTF-8 (e.g. iconv -f latin1 -t utf-8)" % (ct, len(text[:bad].encode("utf-8"))))
    if len(text) == 0 or (ct == "text/csv" and js_trim(text) == ""):
        raise InvocationError(400, "empty_body", "the request body is empty; send one or more CSV rows or a JSON document")
    if ct == "text/csv":
        rows = _csv_rows(text)
        if not rows:
            raise InvocationError(400, "invalid_input", "the text/csv body has no rows; send one row per line")
        return ("csv", rows)
    try:
        doc = js_json_parse(text)
    except ValueError:
        raise InvocationError(400, "invalid_input", 'the application/json body is not valid JSON; send {"instances": [[...], ...]} or {"features": [...]}')
    if isinstance(doc, dict) and isinstance(doc.get("instances"), list):
        rows = doc["instances"]
    elif isinstance(doc, dict) and isinstance(doc.get("features"), list):
        rows = [doc]
    else:
        raise InvocationError(400, "invalid_input", 'JSON body must be {"instances": [row, ...]} or {"features": [...]}; a row is an array of values or {"features": [...]}')
    if not rows:
        raise InvocationError(400, "invalid_input", '"instances" is empty; send at least one row')
    return ("json", rows)


def _json_record(t, row, r):
    cols = t.input_columns
    if isinstance(row, dict) and isinstance(row.get("features"), list):
        row = row["features"]
    if isinstance(row, list):
        if len(row) != len(cols):
            raise InvocationError(400, "invalid_input", "instance %d has %d values but the transform expects %d (%s)" % (r, len(row), len(cols), ",".join(cols)))
        rec = {}
        for j, v in enumerate(row):
            if not (v is None or isinstance(v, (str, float))):
                raise InvocationError(400, "invalid_input", 'instance %d column "%s" is %s; send a string, number or null' % (r, cols[j], js_json(v)))
            rec[cols[j]] = v
        return rec
    if isinstance(row, dict):
        known = set(cols)
        extra = [k for k in row if k not in known]
        if extra:
            raise InvocationError(400, "invalid_input", "instance %d has unknown column(s) %s; expected keys from %s" % (r, ", ".join(extra), ",".join(cols)))
        for k, v in row.items():
            if not (v is None or isinstance(v, (str, float))):
                raise InvocationError(400, "invalid_input", 'instance %d column "%s" is %s; send a string, number or null' % (r, k, js_json(v)))
        return row
    raise InvocationError(400, "invalid_input", "instance %d must be an array of %d raw values or an object keyed by column name" % (r, len(cols)))


def transform_rows(t, decoded):
    """The features of every decoded row (lists of floats), or InvocationError naming the row."""
    kind, rows = decoded
    out = []
    for r, row in enumerate(rows):
        if kind == "csv":
            try:
                out.append(t.apply_csv_line(row))
            except FeatureTransformError as e:
                raise InvocationError(400, "invalid_input", "CSV row %d: %s" % (r + 1, e))
        else:
            rec = _json_record(t, row, r)
            try:
                out.append(t.apply_record(rec))
            except FeatureTransformError as e:
                raise InvocationError(400, "invalid_input", "instance %d: %s" % (r, e))
    return out


_TEXT_CACHE = {}


def features_csv(matrix):
    """The XGBoost container's CSV input: one row per line, NaN written empty (= missing), float32Text values."""
    lines = []
    cache = _TEXT_CACHE
    for vec in matrix:
        cells = []
        for v in vec:
            if v != v:
                cells.append("")
                continue
            s = cache.get(v)
            if s is None:
                s = float32_text(v)
                if len(cache) < 100000:
                    cache[v] = s
            cells.append(s)
        lines.append(",".join(cells))
    return "\n".join(lines)


# ---- the serving contract of the scikit-learn container -------------------------------------------------------------


class ErrorResponse(object):
    """The attributes the serving stack reads from a Flask response (used where Flask is not installed)."""

    def __init__(self, body, status, mimetype):
        self.status_code = status
        self.mimetype = mimetype
        self._body = body.encode("utf-8")

    def get_data(self):
        return self._body


def error_response(status, code, message):
    body = js_json({"error": code, "message": message})
    try:  # the scikit-learn serving container (sagemaker_containers): a Flask response with this status
        from sagemaker_containers.beta.framework import worker

        return worker.Response(response=body, status=status, mimetype="application/json")
    except ImportError:
        return ErrorResponse(body, status, "application/json")


def model_fn(model_dir):
    return load_transform(os.path.join(model_dir, "transform.json"))


def input_fn(request_body, request_content_type):
    try:
        return decode(request_body, request_content_type)
    except InvocationError as e:
        return e


def predict_fn(input_data, model):
    if isinstance(input_data, InvocationError):
        return input_data
    try:
        return transform_rows(model, input_data)
    except InvocationError as e:
        return e


def output_fn(prediction, accept):
    # Checks in the local endpoint's order: Content-Type (415), Accept (406), then the body (400).
    if isinstance(prediction, InvocationError) and prediction.status == 415:
        return error_response(prediction.status, prediction.code, prediction.message)
    if pick_accept(accept) is None:
        return error_response(406, "unsupported_accept", 'Accept "%s" is not supported; use text/csv, application/json or application/jsonlines' % accept)
    if isinstance(prediction, InvocationError):
        return error_response(prediction.status, prediction.code, prediction.message)
    # The XGBoost container is next: it reads text/csv whatever the client accepts, and answers in the client's Accept.
    return features_csv(prediction), "text/csv"


if __name__ == "__main__":  # batch use and the parity test: python3 preprocess.py <transform.json> <rows.csv> <features.csv>
    import sys

    if len(sys.argv) != 4:
        sys.stderr.write("usage: preprocess.py <transform.json> <raw rows.csv, no header, no label> <features.csv out>\n")
        sys.exit(2)
    model = load_transform(sys.argv[1])
    with open(sys.argv[2], "rb") as f:
        body = f.read()
    result = output_fn(predict_fn(input_fn(body, "text/csv"), model), "text/csv")
    if not isinstance(result, tuple):
        sys.stderr.write(result.get_data().decode("utf-8") + "\n")
        sys.exit(1)
    tmp = sys.argv[3] + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(result[0] + "\n")
    os.replace(tmp, sys.argv[3])
