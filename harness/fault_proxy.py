"""A proxy in front of moto that injects the faults AWS services answer with, at a rate."""
import json, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from billing import dynamodb_units

# Faults the proxy injects at its rate, each as the service the request is for would answer.
FAULT_KINDS = ("slowdown", "internal", "throttle", "reset", "stall", "lost-response")


def service_of(headers, path):
    """Which service a request is for, from its signature's credential scope."""
    authorization = headers.get("Authorization", "")
    scope = authorization.split("Credential=", 1)[1].split(",", 1)[0].split("/") if "Credential=" in authorization else []
    return scope[3] if len(scope) > 3 else "s3"


def operation_of(method, path, headers, body):
    """The API operation a request is, as AWS bills it: "s3/GetObject", "dynamodb/UpdateItem", ..."""
    service = service_of(headers, path)
    target = headers.get("X-Amz-Target", "")
    if target:
        return f"{service}/{target.split('.')[-1]}"
    if service == "sns":
        action = parse_qs(body.decode(errors="replace")).get("Action", ["?"])[0]
        return f"sns/{action}"
    parts = urlsplit(path)
    query = parse_qs(parts.query, keep_blank_values=True)
    has_key = parts.path.strip("/").count("/") >= 1
    if method == "PUT":
        if "partNumber" in query:
            return "s3/UploadPart"
        return "s3/CopyObject" if headers.get("x-amz-copy-source") else "s3/PutObject"
    if method == "GET":
        return "s3/GetObject" if has_key and "list-type" not in query and "versions" not in query else "s3/ListObjects"
    if method == "POST":
        return "s3/CreateMultipartUpload" if "uploads" in query else "s3/CompleteMultipartUpload" if "uploadId" in query else "s3/DeleteObjects"
    return {"HEAD": "s3/HeadObject", "DELETE": "s3/DeleteObject"}.get(method, f"s3/{method}")


def fault_answer(kind, service):
    """(status, content type, body) of an injected error, in the service's own error format."""
    if service == "dynamodb" or service == "states":
        names = {"throttle": "ThrottlingException", "internal": "InternalServerError", "slowdown": "ServiceUnavailable"}
        body = json.dumps({"__type": f"com.amazonaws.{service}#{names[kind]}", "message": "Injected fault."}).encode()
        return (400 if kind == "throttle" else 500 if kind == "internal" else 503), "application/x-amz-json-1.0", body
    if service == "sns":
        codes = {"throttle": ("Throttling", 400), "internal": ("InternalFailure", 500), "slowdown": ("ServiceUnavailable", 503)}
        code, status = codes[kind]
        body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>Injected fault.</Message></Error>"
                "<RequestId>injected</RequestId></ErrorResponse>").encode()
        return status, "text/xml", body
    codes = {"throttle": ("SlowDown", 503), "internal": ("InternalError", 500), "slowdown": ("SlowDown", 503)}
    code, status = codes[kind]
    return status, "application/xml", f"<Error><Code>{code}</Code><Message>Injected fault.</Message></Error>".encode()


def make_fault_proxy(upstream, rules, rate=0.0, seed=7, kinds=None, stall=2.0, indexes=None, host="127.0.0.1"):
    """Forwards every request to `upstream` byte for byte (signatures stay valid), except that a
    request whose path contains a rule's marker is answered 503 SlowDown while the rule has
    failures left (-1: for ever). `rules` maps marker to failures left and may change at any time.
    With `rate`, any request (S3, DynamoDB, SNS, Step Functions) also meets a fault at that
    probability (and each service's first request for sure), one of `kinds` (default all of FAULT_KINDS) drawn evenly: 503 SlowDown or
    ServiceUnavailable, 500, throttling (each in its service's error format), a reset connection,
    a stall of `stall` seconds before the request goes on, or a lost response (the request is
    applied upstream, then the connection is reset). `proxy.injected` (and GET /__faults) counts
    them by "service/kind".

    `proxy.another()` is one more proxy on its own port sharing all of that, with rules of its own
    (`.own_rules`, checked after the shared ones): one per function, so that a test can make every
    request of one function fail (the marker "" matches every request)."""
    import random
    chance = random.Random(seed)
    import http.client
    from urllib.parse import urlsplit as split
    target = split(upstream)
    lock = threading.Lock()
    kinds = tuple(kinds or FAULT_KINDS)
    injected = {}
    # Every request forwarded, by "label/service/Operation" (label: the proxy's function), with
    # " (condition failed)" for a conditional write DynamoDB refused and " (CLASS)" for an S3 write
    # into a storage class of its own: GET /__requests.
    requests = {}
    units = {}  # DynamoDB capacity units by the same names
    faulted = set()  # services whose first request was met with a fault
    items = {}  # each item as last written, to price its index entries (dynamodb_units)

    class Proxy(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def answer(self, status, content_type, body):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def reset(self):
            self.close_connection = True
            self.connection.shutdown(2)

        def forward(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path == "/__faults":  # what was injected so far, for the tests
                with lock:
                    return self.answer(200, "application/json", json.dumps(injected).encode())
            if self.path == "/__requests":  # what was forwarded so far, for the request counts
                with lock:
                    return self.answer(200, "application/json", json.dumps({"requests": requests, "units": units}).encode())
            if self.path == "/__paths":  # this proxy's own requests, method and path, in order
                with lock:
                    return self.answer(200, "application/json", json.dumps(self.server.paths).encode())
            if self.path == "/__rules" and self.command == "POST":  # this proxy's own rules, replaced
                with lock:
                    self.server.own_rules.clear()
                    self.server.own_rules.update(json.loads(body or b"{}"))
                return self.answer(204, "application/json", b"")
            with lock:
                self.server.paths.append([self.command, self.path])
                marker, owner = None, None
                for candidates in (rules, self.server.own_rules):
                    marker = next((m for m, left in candidates.items() if m in self.path and left != 0), None)
                    if marker is not None:
                        owner = candidates
                        break
                if marker is not None and owner[marker] > 0:
                    owner[marker] -= 1
                # With a rate, each service's first request meets a fault for sure (then the rate
                # rules): a run short on one service's requests still shows faults reach it.
                service = service_of(self.headers, self.path)
                first = rate > 0 and service not in faulted
                faulted.add(service)
                kind = chance.choice(kinds) if marker is None and (first or chance.random() < rate) else None
                if kind:
                    name = f"{service_of(self.headers, self.path)}/{kind}"
                    injected[name] = injected.get(name, 0) + 1
            if marker is not None:
                return self.answer(*fault_answer("slowdown", "s3"))
            if kind == "reset":
                return self.reset()
            if kind in ("slowdown", "internal", "throttle"):
                return self.answer(*fault_answer(kind, service_of(self.headers, self.path)))
            if kind == "stall":
                time.sleep(stall)
            connection = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
            headers = {k: v for k, v in self.headers.items()}
            connection.request(self.command, self.path, body=body or None, headers=headers)
            response = connection.getresponse()
            data = response.read()
            connection.close()
            operation = operation_of(self.command, self.path, self.headers, body)
            counted = f"{self.server.label}/{operation}"
            if response.status == 400 and b"ConditionalCheckFailed" in data:
                counted += " (condition failed)"
            if self.headers.get("x-amz-storage-class"):  # S3 bills a write by the class it lands in
                counted += f" ({self.headers['x-amz-storage-class']})"
            if operation.startswith("dynamodb/"):
                with lock:
                    cost = dynamodb_units(operation.split("/")[1], body, data, indexes, items)
            else:
                cost = 0
            with lock:
                requests[counted] = requests.get(counted, 0) + 1
                units[counted] = units.get(counted, 0) + cost
            if kind == "lost-response":
                return self.reset()
            self.send_response(response.status)
            for name, value in response.getheaders():
                if name.lower() not in ("content-length", "transfer-encoding", "connection", "date", "server"):
                    self.send_header(name, value)
            # A HEAD answer has no body but tells the object's length.
            length = response.getheader("Content-Length") if self.command == "HEAD" else None
            self.send_header("Content-Length", length or str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = forward

    def serve(label="stack"):
        server = ThreadingHTTPServer((host, 0), Proxy)
        server.daemon_threads = True
        server.injected = injected
        server.requests = requests
        server.label = label
        server.own_rules = {}
        server.paths = []
        server.another = serve
        return server

    return serve()
