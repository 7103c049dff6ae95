"""A Lambda function URL on this machine: an HTTP front on 127.0.0.1 that hands every request to
a function as the function URL's event (payload format 2.0) through the local Lambda host, and
its answer back, base64 bodies decoded, as Lambda does. Used for the render function: its base
is what `scripts/local-stack --json` calls "render".

In AWS the URL takes only requests CloudFront signed (AuthType AWS_IAM, Origin Access Control);
here it takes any request from this machine, as the URL without the distribution does."""
import base64, json, threading, time, uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import local_api


def url_event(method, raw_path, raw_query, headers, body):
    """The event a function URL sends for a request."""
    now = time.time()
    return {
        "version": "2.0", "routeKey": "$default", "rawPath": raw_path, "rawQueryString": raw_query,
        "headers": {k.lower(): v for k, v in headers.items()},
        "requestContext": {
            "accountId": "anonymous", "apiId": "local", "domainName": "127.0.0.1", "domainPrefix": "local",
            "requestId": str(uuid.uuid4()), "routeKey": "$default", "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)), "timeEpoch": int(now * 1000),
            "http": {"method": method, "path": raw_path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                     "userAgent": headers.get("user-agent", "")},
        },
        "body": base64.b64encode(body).decode() if body else None, "isBase64Encoded": bool(body),
    }


def make_front(function):
    """`function` is the host's function, or a callable that returns it (the front can then start,
    and its address be known, before the function's process is)."""
    class Front(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def reply(self, status, body, headers=()):
            self.send_response(status)
            for name, value in headers:
                if name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def handle_any(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            parts = urlsplit(self.path)
            event = url_event(self.command, parts.path, parts.query, dict(self.headers.items()), body)
            target = function() if callable(function) and not hasattr(function, "invoke") else function
            _, payload, error_type = target.invoke(json.dumps(event).encode())
            if error_type:
                # What a function URL answers when the function fails.
                return self.reply(502, b'{"Message":"Internal Server Error"}', [("Content-Type", "application/json")])
            return self.reply(*local_api.http_answer(payload))

        do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = handle_any

    return Front


def start(function):
    """Starts the front on a free port; returns (server, base URL)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_front(function))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"
