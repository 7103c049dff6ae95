#!/usr/bin/env python3
"""Local AWS for the tests, on 127.0.0.1 only.

  local_aws.py stack    moto_server with signature checking on (INITIAL_NO_AUTH_ACTION_COUNT: the
                        IAM set-up calls are the only unsigned ones), an IAM user with a real access
                        key, and a signature-checking double for what moto lacks: presigned S3 URLs
                        (verified, then served from moto) and Rekognition moderation and faces.
  local_aws.py faults   an HTTP server that misbehaves on purpose, for the retry tests.

Each prints one JSON line describing itself, then serves until its standard input closes, then
stops everything it started.
"""
import datetime, io, json, os, socket, subprocess, sys, threading, time, urllib.request
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, parse_qsl, urlsplit


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def serve_until_stdin_closes(servers, processes=()):
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        sys.stdin.read()
    finally:
        for server in servers:
            server.shutdown()
        for process in processes:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()


# ---- the stack ---------------------------------------------------------------------------------------

ADMIN_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
REGION = "us-east-1"


def start_moto(host="127.0.0.1"):
    """moto's server, in this process, with signature checking on, listening on `host` (scripts/sam-local
    gives the bridge of the Docker daemon it started, for the functions in its containers).

    One correction to moto: it checks a signature against the URL as werkzeug re-normalises it
    (%2B becomes +, %C3%A9 becomes é, %2F in a query becomes /) and, for form bodies, against the
    parsed form encoded again (spaces as +), so correctly signed requests fail, boto3's included.
    Here it checks against the request target and body exactly as they arrived on the wire, which
    is what AWS signs and checks.
    """
    import boto3
    from moto import settings
    from moto.iam.access_control import IAMRequestBase
    from moto.server import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    import logging
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    settings.INITIAL_NO_AUTH_ACTION_COUNT = 3
    raw = threading.local()
    original = IAMRequestBase._create_aws_request

    def create_aws_request(self):
        if getattr(raw, "uri", None):
            self._path = raw.uri
        if getattr(raw, "body", None):
            self._body = raw.body
        return original(self)

    IAMRequestBase._create_aws_request = create_aws_request

    # A second correction: moto checks S3 permissions against the object's ARN but DynamoDB, SNS
    # and Step Functions against "*", so a policy scoped to a table or topic (least privilege) would be refused. Give
    # it the resource the request names, as IAM does.
    from moto.dynamodb.responses import DynamoHandler
    from moto.sns.responses import SNSResponse

    def dynamodb_resource(self):
        # A query or scan of an index is authorised against the index's own ARN.
        body = getattr(self, "body", None) or {}
        table, index = body.get("TableName"), body.get("IndexName")
        if not table and len(body.get("RequestItems") or {}) == 1:  # BatchGetItem, BatchWriteItem of one table
            table = next(iter(body["RequestItems"]))
        if not table:
            return "*"
        return f"arn:aws:dynamodb:{self.region}:{self.current_account}:table/{table}" + (f"/index/{index}" if index else "")

    def sns_resource(self):
        return self._get_param("TopicArn") or "*"

    def states_resource(self):
        body = getattr(self, "body", None)
        try:
            body = json.loads(body) if isinstance(body, (str, bytes)) else (body or {})
        except ValueError:
            body = {}
        return body.get("stateMachineArn") or body.get("executionArn") or "*"

    # A fourth: moto ignores x-amz-copy-source-if-match, which S3 honours (412 when the source's
    # ETag is another): the archive's copy of an upload relies on it where no version is kept.
    from moto.s3.exceptions import PreconditionFailed
    from moto.s3.responses import S3Response
    from urllib.parse import parse_qs, unquote, urlparse
    original_copy = S3Response.copy_object

    def copy_object(self):
        wanted = self.headers.get("x-amz-copy-source-if-match")
        if wanted:
            source = urlparse(self.headers.get("x-amz-copy-source"))
            bucket, key = unquote(source.path).lstrip("/").split("/", 1)
            version = parse_qs(source.query).get("versionId", [None])[0]
            found = self.backend.get_object(bucket, key, version_id=version)
            if found is not None and wanted not in (found.etag, found.etag.strip('"')):
                raise PreconditionFailed(failed_condition="x-amz-copy-source-If-Match")
        return original_copy(self)

    S3Response.copy_object = copy_object

    # A fifth: moto's S3 event notifications leave out the object's versionId, which S3 puts in
    # every notification from a versioned bucket (and the image id is derived from it).
    from moto.s3 import notifications
    original_event = notifications._get_s3_event

    def s3_event(event_name, bucket, key, notification_id):
        event = original_event(event_name, bucket, key, notification_id)
        version = getattr(key, "version_id", None)
        if version and version != "null":
            for record in event["Records"]:
                record["s3"]["object"]["versionId"] = version
        return event

    notifications._get_s3_event = s3_event

    from moto.stepfunctions.responses import StepFunctionResponse
    StepFunctionResponse._determine_resource = states_resource
    DynamoHandler._determine_resource = dynamodb_resource
    SNSResponse._determine_resource = sns_resource
    if os.environ.get("LOCAL_AWS_DEBUG"):
        original_calculate = IAMRequestBase._calculate_signature

        def calculate(self):
            request = self._create_aws_request()
            auth = self._create_auth(self._access_key.create_credentials())
            print("moto canonical request:\n" + auth.canonical_request(request), file=sys.stderr, flush=True)
            return original_calculate(self)

        IAMRequestBase._calculate_signature = calculate
    app = DomainDispatcherApplication(create_backend_app)

    # A third: moto evaluates a DynamoDB condition and applies the write as two steps, so two
    # requests on threads can interleave (a write lost, a condition passed that DynamoDB would
    # refuse). DynamoDB serialises writes to an item; here DynamoDB requests go one at a time.
    dynamodb_lock = threading.Lock()

    def keep_raw_uri(environ, start_response):
        raw.uri = environ.get("RAW_URI") or environ.get("REQUEST_URI")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw.body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(raw.body)
        if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
            with dynamodb_lock:
                return list(app(environ, start_response))
        return app(environ, start_response)

    server = make_server(host, 0, keep_raw_uri, threaded=True)
    endpoint = f"http://{host}:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    # The three unsigned calls moto allows: after them every request must be signed by this key.
    iam = boto3.client("iam", endpoint_url=endpoint, region_name=REGION, aws_access_key_id="setup", aws_secret_access_key="setup")
    iam.create_user(UserName="darkroom-test")
    key = iam.create_access_key(UserName="darkroom-test")["AccessKey"]
    iam.put_user_policy(UserName="darkroom-test", PolicyName="admin", PolicyDocument=ADMIN_POLICY)
    remember_secrets(key["SecretAccessKey"])
    return server, endpoint, key["AccessKeyId"], key["SecretAccessKey"]


def remember_secrets(*values):
    """Adds secrets handed out during a test run to $DARKROOM_SECRETS_FILE (when set), which
    scripts/scan-secrets.py then looks for in every log of the run."""
    path = os.environ.get("DARKROOM_SECRETS_FILE")
    if path:
        with open(path, "a") as file:
            file.writelines(value + "\n" for value in values)


class Verifier:
    """Checks SigV4 signatures the way AWS does, with botocore's signer and the real secret."""

    def __init__(self, access_key, secret_key):
        from botocore.credentials import Credentials
        self.access_key = access_key
        self.credentials = Credentials(access_key, secret_key)
        self.others = {}

    def add(self, access_key, secret_key):
        """Another key whose header signatures are accepted (a function's own IAM user)."""
        from botocore.credentials import Credentials
        self.others[access_key] = Credentials(access_key, secret_key)

    def header_signature_ok(self, method, host, path, headers, body):
        import botocore.auth
        from botocore.awsrequest import AWSRequest
        authorization = headers.get("Authorization", "")
        try:
            credential = authorization.split("Credential=")[1].split(",")[0]
            signed = authorization.split("SignedHeaders=")[1].split(",")[0].split(";")
            signature = authorization.split("Signature=")[1].strip()
        except IndexError:
            return False, "no SigV4 Authorization header"
        access_key, date, region, service = credential.split("/")[:4]
        credentials = self.credentials if access_key == self.access_key else self.others.get(access_key)
        if credentials is None:
            return False, f"unknown access key {access_key}"
        request = AWSRequest(method=method, url=f"http://{host}{path}", data=body,
                             headers={name: headers[name] for name in headers if name.lower() in signed})
        request.context["timestamp"] = headers.get("X-Amz-Date", "")
        auth = botocore.auth.SigV4Auth(credentials, service, region)
        expected = auth.signature(auth.string_to_sign(request, auth.canonical_request(request)), request)
        return expected == signature, "signature mismatch"

    def presigned_ok(self, method, host, path, query):
        import botocore.auth
        from botocore.awsrequest import AWSRequest
        params = dict(parse_qsl(query, keep_blank_values=True))
        signature = params.get("X-Amz-Signature")
        credential = params.get("X-Amz-Credential", "")
        credentials = self.credentials_of(credential.split("/")[0])
        if not signature or credentials is None:
            return False, "not presigned by a known key"
        start = datetime.datetime.strptime(params["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
        if datetime.datetime.now(datetime.timezone.utc) > start + datetime.timedelta(seconds=int(params["X-Amz-Expires"])):
            return False, "Request has expired"
        unsigned_query = "&".join(p for p in query.split("&") if not p.startswith("X-Amz-Signature="))
        request = AWSRequest(method=method, url=f"http://{host}{path}?{unsigned_query}", headers={"host": host})
        request.context["timestamp"] = params["X-Amz-Date"]
        region = credential.split("/")[2]
        auth = botocore.auth.S3SigV4QueryAuth(credentials, "s3", region, expires=int(params["X-Amz-Expires"]))
        expected = auth.signature(auth.string_to_sign(request, auth.canonical_request(request)), request)
        return expected == signature, "signature mismatch"

    def credentials_of(self, access_key):
        return self.credentials if access_key == self.access_key else self.others.get(access_key)

    def post_policy_problem(self, bucket, fields, size):
        """What S3 would refuse a browser-form POST for (None when it accepts it): the policy's
        SigV4 signature by a known key, its expiry, and every condition, over every field sent."""
        import base64, hashlib, hmac
        lower = {name.lower(): value for name, value in fields.items()}
        for needed in ("policy", "x-amz-signature", "x-amz-credential", "x-amz-algorithm", "x-amz-date", "key"):
            if needed not in lower:
                return 400, "InvalidArgument", f"Bucket POST must contain a field named '{needed}'"
        credential = lower["x-amz-credential"].split("/")
        credentials = self.credentials_of(credential[0])
        if credentials is None or len(credential) != 5:
            return 403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."
        key = ("AWS4" + credentials.secret_key).encode()
        for part in credential[1:5]:
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        expected = hmac.new(key, lower["policy"].encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, lower["x-amz-signature"]):
            return 403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided."
        try:
            policy = json.loads(base64.b64decode(lower["policy"]))
            expiration = datetime.datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
        except Exception:
            return 400, "InvalidPolicyDocument", "Invalid Policy: Invalid JSON."
        if datetime.datetime.now(datetime.timezone.utc) >= expiration:
            return 403, "AccessDenied", "Invalid according to Policy: Policy expired."
        covered = {"policy", "x-amz-signature", "file"}
        values = dict(lower, bucket=bucket)
        for condition in policy.get("conditions", []):
            if isinstance(condition, dict):
                (name, value), = condition.items()
                name = name.lower()
                covered.add(name)
                if values.get(name) != value:
                    return 403, "AccessDenied", f"Invalid according to Policy: Policy Condition failed: [\"eq\", \"${name}\", \"{value}\"]"
            elif condition[0] == "content-length-range":
                if size < int(condition[1]):
                    return 400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size"
                if size > int(condition[2]):
                    return 400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size"
            elif condition[0] in ("eq", "starts-with"):
                name = condition[1].lstrip("$").lower()
                covered.add(name)
                value = values.get(name, "")
                if (condition[0] == "eq" and value != condition[2]) or (condition[0] == "starts-with" and not value.startswith(condition[2])):
                    return 403, "AccessDenied", f"Invalid according to Policy: Policy Condition failed: {json.dumps(condition)}"
        extra = [name for name in lower if name not in covered and not name.startswith("x-ignore-")]
        if extra:
            return 403, "AccessDenied", f"Invalid according to Policy: Extra input fields: {extra[0]}"
        return None


def make_double(verifier, s3):
    """Rekognition (moderation labels and faces, decided by the object's key) and presigned S3."""

    import boto3

    def as_signer(access_key):
        """S3 as the key that signed the form or URL: S3 authorizes a presigned request as its
        signer, so moto checks that key's IAM policy."""
        credentials = verifier.credentials_of(access_key)
        return boto3.client("s3", endpoint_url=s3.meta.endpoint_url, region_name=REGION, aws_access_key_id=credentials.access_key,
                            aws_secret_access_key=credentials.secret_key)

    class Double(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def reply(self, status, body=b"", content_type="application/json", headers=()):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def body(self):
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def presigned(self, data=b""):
            parts = urlsplit(self.path)
            ok, why = verifier.presigned_ok(self.command, self.headers["Host"], parts.path, parts.query)
            if not ok:
                return self.reply(403, f"<Error><Code>SignatureDoesNotMatch</Code><Message>{why}</Message></Error>".encode(), "application/xml")
            from urllib.parse import unquote
            from botocore.exceptions import ClientError
            bucket, _, key = unquote(parts.path).lstrip("/").partition("/")
            signer = as_signer(dict(parse_qsl(parts.query))["X-Amz-Credential"].split("/")[0])
            try:
                if self.command == "PUT":
                    signer.put_object(Bucket=bucket, Key=key, Body=data)
                    return self.reply(200)
                obj = signer.get_object(Bucket=bucket, Key=key)
            except ClientError as error:
                code = error.response["Error"]["Code"]
                return self.reply(404 if code == "NoSuchKey" else 403, f"<Error><Code>{code}</Code></Error>".encode(), "application/xml")
            return self.reply(200, obj["Body"].read(), obj.get("ContentType", "application/octet-stream"))

        def do_GET(self):
            self.presigned()

        def do_PUT(self):
            self.presigned(self.body())

        def form_post(self, data):
            """A browser upload (S3 POST policy), checked as S3 checks it, then written to moto."""
            from email.parser import BytesParser
            from email import policy as email_policy
            from urllib.parse import unquote
            bucket = unquote(urlsplit(self.path).path).strip("/")
            message = BytesParser(policy=email_policy.HTTP).parsebytes(
                b"Content-Type: " + self.headers["Content-Type"].encode() + b"\r\n\r\n" + data)
            fields, file = {}, None
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                if name == "file":
                    file = part.get_payload(decode=True) or b""
                    break  # S3 ignores fields after the file
                fields[name] = part.get_content().strip() if part.get_content_type().startswith("text/") else part.get_payload()
            if file is None:
                return self.reply(400, b"<Error><Code>InvalidArgument</Code><Message>POST requires exactly one file upload per request.</Message></Error>",
                                  "application/xml")
            problem = verifier.post_policy_problem(bucket, fields, len(file))
            if problem:
                status, code, message_text = problem
                return self.reply(status, f"<Error><Code>{code}</Code><Message>{message_text}</Message></Error>".encode(), "application/xml")
            lower = {name.lower(): value for name, value in fields.items()}
            metadata = {name[len("x-amz-meta-"):]: value for name, value in lower.items() if name.startswith("x-amz-meta-")}
            from botocore.exceptions import ClientError
            try:
                as_signer(lower["x-amz-credential"].split("/")[0]).put_object(
                    Bucket=bucket, Key=lower["key"], Body=file, ContentType=lower.get("content-type", "binary/octet-stream"), Metadata=metadata)
            except ClientError as error:
                return self.reply(403, f"<Error><Code>{error.response['Error']['Code']}</Code></Error>".encode(), "application/xml")
            return self.reply(204, b"", headers=[("Access-Control-Allow-Origin", "*")])

        def do_OPTIONS(self):
            # The bucket's CORS rule, for the web page's uploads.
            return self.reply(200, b"", headers=[("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Methods", "GET, POST"),
                                                 ("Access-Control-Allow-Headers", "*")])

        def do_POST(self):
            data = self.body()
            if self.headers.get("Content-Type", "").startswith("multipart/form-data"):
                return self.form_post(data)
            ok, why = verifier.header_signature_ok("POST", self.headers["Host"], self.path, self.headers, data)
            if not ok:
                return self.reply(400, json.dumps({"__type": "InvalidSignatureException", "message": why}).encode())
            target = self.headers.get("X-Amz-Target", "")
            request = json.loads(data or b"{}")
            key = request.get("Image", {}).get("S3Object", {}).get("Name", "")
            if target == "RekognitionService.DetectModerationLabels":
                labels = []
                if "unsafe" in key:
                    labels = [{"Name": "Explicit Nudity", "ParentName": "", "Confidence": 97.5},
                              {"Name": "Graphic Violence", "ParentName": "Violence", "Confidence": 62.0}]
                labels = [l for l in labels if l["Confidence"] >= request.get("MinConfidence", 50)]
                return self.reply(200, json.dumps({"ModerationLabels": labels, "ModerationModelVersion": "7.0"}).encode())
            if target == "RekognitionService.DetectFaces":
                faces = []
                if "faces" in key:
                    faces = [{"BoundingBox": {"Width": 0.2, "Height": 0.3, "Left": 0.1, "Top": 0.15}, "Confidence": 99.9},
                             {"BoundingBox": {"Width": 0.1, "Height": 0.2, "Left": 0.6, "Top": 0.4}, "Confidence": 91.0}]
                return self.reply(200, json.dumps({"FaceDetails": faces}).encode())
            return self.reply(400, json.dumps({"__type": "UnknownOperationException", "message": target}).encode())

    return Double


def stack():
    import boto3
    moto, endpoint, access_key, secret_key = start_moto()
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=access_key, aws_secret_access_key=secret_key)
    double = ThreadingHTTPServer(("127.0.0.1", 0), make_double(Verifier(access_key, secret_key), s3))
    print(json.dumps({
        "endpoint": endpoint, "double": f"http://127.0.0.1:{double.server_address[1]}", "region": REGION,
        "accessKeyId": access_key, "secretAccessKey": secret_key,
    }), flush=True)
    serve_until_stdin_closes([double])
    moto.shutdown()


# ---- a faulty proxy in front of moto ---------------------------------------------------------------------

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


def dynamodb_item_bytes(item):
    """An item's size as DynamoDB bills it: attribute names plus values (strings and binaries by
    their bytes, numbers about one byte per two digits, maps and lists three bytes plus their
    elements, one byte per element)."""
    def value(v):
        kind, content = next(iter(v.items()))
        if kind in ("S", "B"):
            return len(content.encode() if isinstance(content, str) else content)
        if kind == "N":
            return (len(content.lstrip("-").replace(".", "")) + 1) // 2 + 1
        if kind in ("BOOL", "NULL"):
            return 1
        if kind == "M":
            return 3 + sum(len(k.encode()) + value(x) + 1 for k, x in content.items())
        if kind == "L":
            return 3 + sum(value(x) + 1 for x in content)
        if kind in ("SS", "NS", "BS"):
            return sum(len(str(x).encode()) for x in content)
        return 0
    return sum(len(name.encode()) + value(v) for name, v in item.items())


def dynamodb_units(operation, request, response, indexes=None, seen=None):
    """Write or read units one DynamoDB request costs, from the item it wrote or read (for an
    update, the item after it: DynamoDB bills the larger of before and after, and these only grow),
    with what it costs the table's global secondary indexes as DynamoDB's documentation bills them:
    an entry put or removed is one write, a changed index key two (the old out, the new in), a
    changed projected attribute one, anything else none. `indexes` maps a table to its indexes,
    each (key attributes, projected attributes or None for all); `seen` (a dict kept between
    calls) remembers each item as last written, to tell what changed."""
    import math
    try:
        sent, answer = json.loads(request or b"{}"), json.loads(response or b"{}")
    except ValueError:
        return 0
    kb = lambda item: max(1, math.ceil(dynamodb_item_bytes(item) / 1024))  # noqa: E731
    if operation in ("PutItem", "UpdateItem", "DeleteItem"):
        if "__type" in answer:  # refused (a failed condition): nothing written
            return kb(sent.get("Item") or sent.get("Key") or {})
        table = sent.get("TableName")
        after = None if operation == "DeleteItem" else (sent.get("Item") or answer.get("Attributes") or {})
        key = json.dumps(sent.get("Key") or {k: v for k, v in (after or {}).items() if k == "imageId"}, sort_keys=True)
        before = (seen if seen is not None else {}).get((table, key))
        units = kb(after or before or sent.get("Key") or {})
        for keys, projected in (indexes or {}).get(table, []):
            def entry(item):
                if item is None or not all(k in item for k in keys):
                    return None
                return item if projected is None else {k: v for k, v in item.items() if k in set(keys) | set(projected) | {"imageId"}}
            old, new = entry(before), entry(after)
            if old is None and new is None:
                continue
            if old is None or new is None:
                units += kb(old or new)
            elif any(old.get(k) != new.get(k) for k in keys):
                units += 2 * kb(new)
            elif old != new:
                units += kb(new)
        if seen is not None:
            seen[(table, key)] = after
        return units
    if operation == "BatchWriteItem":
        writes = [w for table in sent.get("RequestItems", {}).values() for w in table]
        return sum(kb(w["PutRequest"]["Item"]) if "PutRequest" in w else 1 for w in writes)
    if operation == "GetItem":
        units = max(1, math.ceil(dynamodb_item_bytes(answer.get("Item", {})) / 4096))
        return units if sent.get("ConsistentRead") else units / 2
    if operation == "Query":
        units = max(1, math.ceil(sum(dynamodb_item_bytes(i) for i in answer.get("Items", [])) / 4096))
        return units if sent.get("ConsistentRead") else units / 2
    if operation == "BatchGetItem":
        consistent = any(t.get("ConsistentRead") for t in sent.get("RequestItems", {}).values())
        units = sum(max(1, math.ceil(dynamodb_item_bytes(i) / 4096)) for items in answer.get("Responses", {}).values() for i in items)
        return units if consistent else units / 2
    return 0


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
            if self.path == "/__rules" and self.command == "POST":  # this proxy's own rules, replaced
                with lock:
                    self.server.own_rules.clear()
                    self.server.own_rules.update(json.loads(body or b"{}"))
                return self.answer(204, "application/json", b"")
            with lock:
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
        server.another = serve
        return server

    return serve()


# ---- the fault server --------------------------------------------------------------------------------

def faults():
    counts = {}
    lock = threading.Lock()

    from local_lambda import QuietHandler

    class Faults(QuietHandler):

        def handle_any(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            path = urlsplit(self.path).path
            with lock:
                counts[path] = counts.get(path, 0) + 1
                n = counts[path]
            if path == "/counts":
                return self.reply(200, json.dumps(counts).encode())
            if path.startswith("/slowdown-twice"):
                if n <= 2:
                    return self.reply(503, b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>R1</RequestId></Error>")
                return self.reply(200, b"done")
            if path.startswith("/always-503"):
                return self.reply(503, b"<Error><Code>SlowDown</Code><Message>Still busy.</Message></Error>")
            if path.startswith("/bad-request"):
                return self.reply(400, b"<Error><Code>InvalidArgument</Code><Message>No.</Message><RequestId>R2</RequestId></Error>")
            if path.startswith("/throttled-json"):
                if n <= 1:
                    return self.reply(400, json.dumps({"__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException", "message": "slow down"}).encode())
                return self.reply(200, b"{}")
            if path.startswith("/skewed"):
                if n <= 1:
                    future = formatdate(time.time() + 3600, usegmt=True)
                    return self.reply(403, b"<Error><Code>RequestTimeTooSkewed</Code><Message>The difference between the request time and the current time is too large.</Message></Error>",
                                      headers=[("Date", future)])
                return self.reply(200, self.headers.get("X-Amz-Date", "").encode())
            if path.startswith("/reset"):
                if n <= 1:
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                return self.reply(200, b"after reset")
            if path.startswith("/creds"):
                remember_secrets("container-secret", "container-session", "container-token")
                if self.headers.get("Authorization") != "Bearer container-token":
                    return self.reply(401, b"{}")
                expiration = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
                return self.reply(200, json.dumps({"AccessKeyId": "ASIACONTAINER", "SecretAccessKey": "container-secret",
                                                   "Token": "container-session", "Expiration": expiration}).encode())
            if path.startswith("/stall"):
                time.sleep(30)
                return self.reply(200)
            return self.reply(200, b"ok")

        do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = handle_any

    server = ThreadingHTTPServer(("127.0.0.1", 0), Faults)
    server.daemon_threads = True
    print(json.dumps({"endpoint": f"http://127.0.0.1:{server.server_address[1]}"}), flush=True)
    serve_until_stdin_closes([server])


# ---- a Lambda host with one function a test drives itself ----------------------------------------------

def runtime():
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from local_lambda import Function, LambdaHost
    host = LambdaHost()
    probe = host.add(Function("probe", timeout=30))
    if len(sys.argv) > 2:
        # A real stage executable with none of its configuration: it must report an init error.
        host.add(Function("unconfigured", executable=sys.argv[2], environment={"PATH": os.environ.get("PATH", "")}))
    host.start()
    print(json.dumps({"invoke": host.endpoint, "runtimeApi": f"127.0.0.1:{probe.server.server_address[1]}"}), flush=True)
    try:
        sys.stdin.read()
    finally:
        host.stop()


if __name__ == "__main__":
    {"stack": stack, "faults": faults, "runtime": runtime}[sys.argv[1]]()
