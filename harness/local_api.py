"""The API's front door on this machine, as AWS has it: a token issuer (as Cognito issues tokens)
and an HTTP front that checks each bearer token as API Gateway's JWT authorizer does (signature
by the issuer's key, issuer, audience, expiry; anything else is 401 before the function runs),
then hands the request to the real `api` function as a payload 2.0 event through the local
Lambda host, and its answer back.

Tokens are RS256 JWTs from a key made at start. POST /token {"sub": NAME} gives one (local only;
"expiresIn" seconds and "audience" may be asked for, to test expired and foreign tokens)."""
import base64, json, threading, time, uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit

ISSUER_PATH = "/issuer"
AUDIENCE = "darkroom-local-client"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenIssuer:
    """Signs and checks RS256 tokens with one key pair, as an OIDC issuer and API Gateway's JWT
    authorizer (reading the issuer's JWKS) would."""

    def __init__(self, issuer):
        from cryptography.hazmat.primitives.asymmetric import rsa
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = uuid.uuid4().hex[:16]
        self.issuer = issuer

    def issue(self, sub, audience=AUDIENCE, expires_in=3600):
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding
        now = int(time.time())
        header = {"alg": "RS256", "typ": "JWT", "kid": self.kid}
        claims = {"sub": sub, "iss": self.issuer, "aud": audience, "client_id": audience, "iat": now, "nbf": now - 5,
                  "exp": now + expires_in, "token_use": "id"}
        signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
        signature = self.key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{b64url(signature)}"

    def verify(self, token):
        """The token's claims, or raises ValueError saying why API Gateway would refuse it."""
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding
        parts = token.split(".")
        if len(parts) != 3:
            raise ValueError("not a JWT")
        try:
            header, claims = json.loads(unb64url(parts[0])), json.loads(unb64url(parts[1]))
            signature = unb64url(parts[2])
        except Exception:
            raise ValueError("not a JWT")
        if header.get("alg") != "RS256" or header.get("kid") != self.kid:
            raise ValueError("not signed by the issuer's key")
        try:
            self.key.public_key().verify(signature, f"{parts[0]}.{parts[1]}".encode(), padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            raise ValueError("bad signature")
        now = time.time()
        if claims.get("iss") != self.issuer:
            raise ValueError("wrong issuer")
        audiences = claims.get("aud") if isinstance(claims.get("aud"), list) else [claims.get("aud"), claims.get("client_id")]
        if AUDIENCE not in audiences:
            raise ValueError("wrong audience")
        if not isinstance(claims.get("exp"), (int, float)) or claims["exp"] <= now:
            raise ValueError("expired")
        if claims.get("nbf", 0) > now + 5:
            raise ValueError("not yet valid")
        return claims


def payload_event(method, raw_path, raw_query, headers, body, claims):
    """The event API Gateway's HTTP API (payload format 2.0) sends for a request."""
    query = {}
    for name, value in parse_qsl(raw_query, keep_blank_values=True):
        query[name] = f"{query[name]},{value}" if name in query else value
    is_binary = bool(body) and not headers.get("content-type", "").startswith(("application/json", "text/"))
    now = time.time()
    return {
        "version": "2.0", "routeKey": "$default", "rawPath": raw_path, "rawQueryString": raw_query,
        "headers": {k.lower(): v for k, v in headers.items() if k.lower() != "authorization"},
        **({"queryStringParameters": query} if query else {}),
        "requestContext": {
            "accountId": "123456789012", "apiId": "local", "domainName": "127.0.0.1", "requestId": str(uuid.uuid4()),
            "routeKey": "$default", "stage": "$default", "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
            "http": {"method": method, "path": unquote(raw_path), "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                     "userAgent": headers.get("user-agent", "")},
            "authorizer": {"jwt": {"claims": {k: str(v) for k, v in claims.items()}, "scopes": None}},
        },
        **({"body": base64.b64encode(body).decode() if is_binary else body.decode("utf-8", "replace"),
            "isBase64Encoded": is_binary} if body else {"isBase64Encoded": False}),
    }


def http_answer(payload):
    """(status, body bytes, headers) of a Lambda's HTTP answer (payload 2.0), as API Gateway and
    function URLs turn it into a response: a base64 body decoded."""
    answer = json.loads(payload)
    data = answer.get("body", "") or ""
    data = base64.b64decode(data) if answer.get("isBase64Encoded") else data.encode()
    return answer.get("statusCode", 200), data, list((answer.get("headers") or {}).items())


def make_front(function, issuer):
    """The HTTP API on 127.0.0.1: /token (the issuer), /v1/... (the JWT authorizer, then `function`)."""

    class Front(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def reply(self, status, body, headers=()):
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def handle_any(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            parts = urlsplit(self.path)
            if parts.path == "/token" and self.command == "POST":
                try:
                    asked = json.loads(body or b"{}")
                    assert isinstance(asked.get("sub"), str) and asked["sub"]
                except Exception:
                    return self.reply(400, b'{"message":"POST {\\"sub\\": NAME}"}', [("Content-Type", "application/json")])
                token = issuer.issue(asked["sub"], asked.get("audience", AUDIENCE), int(asked.get("expiresIn", 3600)))
                return self.reply(200, json.dumps({"token": token}).encode(), [("Content-Type", "application/json")])
            # API Gateway's JWT authorizer: no valid token, no invocation.
            authorization = self.headers.get("Authorization", "")
            if not authorization.startswith("Bearer "):
                return self.reply(401, b'{"message":"Unauthorized"}', [("Content-Type", "application/json"), ("WWW-Authenticate", "Bearer")])
            try:
                claims = issuer.verify(authorization[len("Bearer "):].strip())
            except ValueError as error:
                return self.reply(401, b'{"message":"Unauthorized"}', [("Content-Type", "application/json"),
                                                                      ("WWW-Authenticate", f'Bearer error="invalid_token", error_description="{error}"')])
            event = payload_event(self.command, parts.path, parts.query, dict(self.headers.items()), body, claims)
            _, payload, error_type = function.invoke(json.dumps(event).encode())
            if error_type:
                # What API Gateway answers when the integration fails.
                return self.reply(500, b'{"message":"Internal Server Error"}', [("Content-Type", "application/json")])
            return self.reply(*http_answer(payload))

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = handle_any

    return Front


def start(function):
    """Starts the front on a free port; returns (server, base URL, issuer)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_front(function, None))
    server.daemon_threads = True
    base = f"http://127.0.0.1:{server.server_address[1]}"
    issuer = TokenIssuer(base + ISSUER_PATH)
    server.RequestHandlerClass = make_front(function, issuer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, base, issuer
