"""A CloudFront distribution on this machine, as far as Darkroom's delivery needs one: an HTTP
front on 127.0.0.1 with the template's two user-content behaviors, `derived/*` (the derived
bucket, read from S3) and `r/*` (the render function's URL), that checks and caches as CloudFront
does. What it checks, from CloudFront's documentation ("Create a signed URL using a canned
policy", "Specify the signers that can create signed URLs"):

- with a trusted key group, every request needs `Expires`, `Signature` and `Key-Pair-Id`; the key
  must be in the group, the time before `Expires`, and the signature RSA-SHA1 (PKCS #1 v1.5) of
  the canned policy rebuilt from the URL as requested (without those three), in CloudFront's
  base64 (`-` for `+`, `_` for `=`, `~` for `/`). Otherwise 403, with nothing read from the origin.
- the cache key is the path (and, on `r/*`, the Accept header): the signing parameters are not
  in it, so one object is one copy whoever's URL asked.
- invalidations of this distribution (made through the CloudFront API, moto here) drop the paths
  they name, a `*` only at the end, before the next request is answered from the cache.
- what reaches the viewer carries the template's UserContentHeadersPolicy headers, read from
  template.yaml (Cache-Control overridden, the sandboxing CSP, nosniff).

What it does not do: edge locations, TLS, TTLs (a copy stays until invalidated: the objects'
own Cache-Control is a year), signed cookies, custom policies."""
import base64, json, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

import requests

import template_facts

SIGNING = ("Expires", "Signature", "Key-Pair-Id")


def viewer_headers(expiry_seconds):
    """The headers UserContentHeadersPolicy sets, as template.yaml declares them."""
    config = template_facts.load_template()["Resources"]["UserContentHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    security = config["SecurityHeadersConfig"]
    headers = {"Content-Security-Policy": security["ContentSecurityPolicy"]["ContentSecurityPolicy"],
               "X-Content-Type-Options": "nosniff", "X-Frame-Options": security["FrameOptions"]["FrameOption"],
               "Referrer-Policy": security["ReferrerPolicy"]["ReferrerPolicy"]}
    for item in config.get("CustomHeadersConfig", {}).get("Items", []):
        value = item["Value"]
        if isinstance(value, dict):
            value = value["Fn::Sub"].replace("${CdnUrlExpirySeconds}", str(expiry_seconds))
        headers[item["Header"]] = value
    return headers


def cloudfront_b64decode(text):
    return base64.b64decode(text.replace("-", "+").replace("_", "=").replace("~", "/"))


def verify(url, query, public_keys, now=None):
    """None when `url` (as requested, signing parameters included in `query`) is signed for now by
    a key of `public_keys` ({id: public key}); else why not."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    if not all(name in query for name in SIGNING):
        return "MissingKey: the URL is not signed"
    key = public_keys.get(query["Key-Pair-Id"])
    if key is None:
        return "the key is not in the distribution's trusted key group"
    try:
        expires = int(query["Expires"])
    except ValueError:
        return "Expires is not a time"
    if (now or time.time()) >= expires:
        return "the URL has expired"
    policy = json.dumps({"Statement": [{"Resource": url, "Condition": {"DateLessThan": {"AWS:EpochTime": expires}}}]},
                        separators=(",", ":"))
    try:
        key.verify(cloudfront_b64decode(query["Signature"]), policy.encode(), padding.PKCS1v15(), hashes.SHA1())
    except (InvalidSignature, ValueError):
        return "the signature does not match"
    return None


class Edge:
    def __init__(self, s3, derived_bucket, render_url, cloudfront, distribution_id, public_keys, expiry_seconds):
        self.s3, self.bucket, self.render_url = s3, derived_bucket, render_url
        self.cloudfront, self.distribution_id = cloudfront, distribution_id
        self.public_keys = public_keys
        self.headers = viewer_headers(expiry_seconds)
        self.cache = {}
        self.lock = threading.Lock()
        self.applied = set()
        self.origin_fetches = 0

    def apply_invalidations(self):
        listed = self.cloudfront.list_invalidations(DistributionId=self.distribution_id)["InvalidationList"].get("Items", [])
        for summary in listed:
            if summary["Id"] in self.applied:
                continue
            batch = self.cloudfront.get_invalidation(DistributionId=self.distribution_id, Id=summary["Id"])["Invalidation"]
            paths = batch["InvalidationBatch"]["Paths"].get("Items", [])
            with self.lock:
                for path in paths:
                    if "*" in path[:-1]:
                        continue  # CloudFront refuses such a path; it drops nothing
                    matches = (lambda p, pre=path[:-1]: p.startswith(pre)) if path.endswith("*") else (lambda p, exact=path: p == exact)
                    for cached in [k for k in self.cache if matches(k[0])]:
                        del self.cache[cached]
                self.applied.add(summary["Id"])

    def fetch(self, path, accept):
        """(status, headers, body) from the origin."""
        self.origin_fetches += 1
        if path.startswith("/derived/"):
            try:
                got = self.s3.get_object(Bucket=self.bucket, Key=path[1:])
            except self.s3.exceptions.NoSuchKey:
                return 403, {"Content-Type": "application/xml"}, b"<Error><Code>AccessDenied</Code></Error>"
            return 200, {"Content-Type": got["ContentType"], "Cache-Control": got.get("CacheControl", "")}, got["Body"].read()
        answer = requests.get(self.render_url + path[len("/r"):], headers={"Accept": accept} if accept else {}, timeout=60)
        keep = {k: v for k, v in answer.headers.items() if k.lower() in ("content-type", "cache-control", "vary")}
        return answer.status_code, keep, answer.content


def make_handler(edge, base):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def reply(self, status, headers, body):
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def do_GET(self):
            parts = urlsplit(self.path)
            if not (parts.path.startswith("/derived/") or parts.path.startswith("/r/")):
                return self.reply(404, {"Content-Type": "text/plain"}, b"no behavior for this path")
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
            if edge.public_keys:
                rest = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in SIGNING])
                refusal = verify(base + parts.path + (f"?{rest}" if rest else ""), query, edge.public_keys)
                if refusal:
                    return self.reply(403, {"Content-Type": "text/plain", "X-Cache": "Error from cloudfront"}, refusal.encode())
            edge.apply_invalidations()
            # The behaviors' cache keys: the path; on r/*, the (normalised) Accept too.
            accept = self.headers.get("Accept", "") if parts.path.startswith("/r/") else ""
            key = (parts.path, accept)
            with edge.lock:
                hit = edge.cache.get(key)
            if hit is None:
                hit = edge.fetch(parts.path, accept)
                if hit[0] == 200:
                    with edge.lock:
                        edge.cache[key] = hit
                state = "Miss from cloudfront"
            else:
                state = "Hit from cloudfront"
            status, headers, body = hit
            return self.reply(status, dict(headers, **edge.headers, **{"X-Cache": state}), body)

        do_HEAD = do_GET

    return Handler


def start(s3, derived_bucket, render_url, cloudfront, distribution_id, public_keys, expiry_seconds=3600):
    """Starts the edge on a free port; returns (server, base URL, edge)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), None)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    edge = Edge(s3, derived_bucket, render_url, cloudfront, distribution_id, public_keys, expiry_seconds)
    server.RequestHandlerClass = make_handler(edge, base)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, base, edge
