"""Local stand-in for AWS's scikit-learn serving container in an inference pipeline (the emulation of
lib/serving/pipeline.ts; never shipped to AWS, where the real container runs the user module).

It reproduces the serving contract the user module relies on, as implemented by aws/sagemaker-scikit-learn-container
(serving.py) on sagemaker_containers (_worker.Worker, _worker.Request, _transformer.Transformer):
  - the user module is SAGEMAKER_PROGRAM (".py" stripped) imported from SAGEMAKER_SUBMIT_DIRECTORY (a local folder
    here, as with the SDK's repacked /opt/ml/model/code); model_fn(model_dir) runs once before the port opens;
  - it listens on SAGEMAKER_BIND_TO_PORT (default 8080; the port SageMaker gives each container of an inference
    pipeline, "Run Real-time Predictions with an Inference Pipeline", SageMaker Developer Guide);
  - GET /ping -> 200, empty body; POST /invocations -> input_fn(content, content_type) -> predict_fn(data, model)
    -> output_fn(prediction, accept);
  - content_type = the "ContentType" or "Content-Type" header, else "application/json"; the body is text (UTF-8,
    invalid bytes replaced) when content_type is exactly application/json or text/csv, else bytes;
  - accept = the Accept header, or SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT (default application/json) when it is absent
    or "*/*";
  - output_fn returning (body, mimetype) -> 200 with that mimetype; returning a response object -> its status,
    mimetype and data; an exception -> 500 (Flask's internal server error);
  - Flask/Werkzeug content types: a text/* mimetype gets "; charset=utf-8".
Binds 127.0.0.1 only. Prints one line {"listening": <port>} on stdout once it serves.

usage: python3 sklearn_serving.py --model-dir <dir>   (environment as above)
"""

import importlib
import json
import os
import socket
import sys
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

UTF8_TYPES = ("application/json", "text/csv")


def content_type_header(mimetype):
    if mimetype.startswith("text/") and "charset" not in mimetype:
        return mimetype + "; charset=utf-8"
    return mimetype


def load_user_module():
    program = os.environ.get("SAGEMAKER_PROGRAM")
    submit = os.environ.get("SAGEMAKER_SUBMIT_DIRECTORY")
    if not program or not submit:
        raise SystemExit("SAGEMAKER_PROGRAM and SAGEMAKER_SUBMIT_DIRECTORY must be set (the user module and its folder)")
    if not os.path.isdir(submit):
        raise SystemExit("SAGEMAKER_SUBMIT_DIRECTORY %s is not a folder (this emulation takes a local folder)" % submit)
    sys.path.insert(0, submit)
    name = program[:-3] if program.endswith(".py") else program
    return importlib.import_module(name)


def main():
    args = sys.argv[1:]
    if len(args) != 2 or args[0] != "--model-dir":
        raise SystemExit("usage: sklearn_serving.py --model-dir <dir>")
    model_dir = args[1]
    module = load_user_module()
    model = module.model_fn(model_dir)
    input_fn, predict_fn, output_fn = module.input_fn, module.predict_fn, module.output_fn
    default_accept = os.environ.get("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT", "application/json")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self):
            BaseHTTPRequestHandler.setup(self)
            # headers and body are separate writes: without TCP_NODELAY Nagle + delayed ACK add ~40 ms per answer
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, fmt, *a):  # quiet: the Node side logs
            pass

        def _send(self, status, body, mimetype):
            self.send_response(status)
            self.send_header("Content-Type", content_type_header(mimetype))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.path.split("?")[0] == "/ping":
                return self._send(200, b"", "text/html")
            return self._send(404, b"Not Found", "text/html")

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if self.path.split("?")[0] != "/invocations":
                return self._send(404, b"Not Found", "text/html")
            content_type = self.headers.get("ContentType") or self.headers.get("Content-Type") or "application/json"
            content = raw.decode("utf-8", "replace") if content_type in UTF8_TYPES else raw
            accept = self.headers.get("Accept")
            if not accept or accept == "*/*":
                accept = default_accept
            try:
                result = output_fn(predict_fn(input_fn(content, content_type), model), accept)
            except Exception:  # Flask answers an unhandled exception with 500
                sys.stderr.write(traceback.format_exc())
                return self._send(500, b"<h1>Internal Server Error</h1>", "text/html")
            if isinstance(result, tuple):
                body, mimetype = result[0], result[1]
                status = 200
            else:
                body, mimetype, status = result.get_data(), result.mimetype, result.status_code
            if isinstance(body, str):
                body = body.encode("utf-8")
            return self._send(status, body, mimetype)

    server = ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("SAGEMAKER_BIND_TO_PORT", "8080"))), Handler)
    server.daemon_threads = True
    sys.stdout.write(json.dumps({"listening": server.server_address[1]}) + "\n")
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
