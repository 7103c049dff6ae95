"""moto's server in this process, with signature checking on and the patches it needs to behave as
AWS does for Darkroom (see harness/README.md)."""
import io, json, os, sys, threading


ADMIN_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
REGION = "us-east-1"


def start_moto(host="127.0.0.1"):
    """moto's server, in this process, with signature checking on, listening on `host` (scripts/sam-local
    gives the bridge of the Docker daemon it started, for the functions in its containers).

    One correction to moto: it checks a signature against the URL as werkzeug re-normalises it
    (%2B becomes +, %C3%A9 becomes é, %2F in a query becomes /) and, for form bodies, against the
    parsed form encoded again (spaces as +), or for no body at all against its parsed parameters
    (a REST GET), so correctly signed requests fail, boto3's included.
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
        elif getattr(raw, "body", None) == b"":
            # No body came (a REST GET: CloudFront's GetInvalidation): moto would sign its parsed
            # parameters in its place, so such a request could never pass.
            parsed, self._data = self._data, b""
            try:
                return original(self)
            finally:
                self._data = parsed
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

    # A sixth, like the second: Secrets Manager checked against the secret the request names (its
    # ARN), so a function granted GetSecretValue on one secret reads that one and no other.
    from moto.secretsmanager.responses import SecretsManagerResponse

    def secret_resource(self):
        body = getattr(self, "body", None)
        try:
            body = json.loads(body) if isinstance(body, (str, bytes)) else (body or {})
        except ValueError:
            body = {}
        secret = body.get("SecretId") or ""
        if secret.startswith("arn:"):
            return secret
        try:
            return self.backend.describe_secret(secret)["ARN"] if secret else "*"
        except Exception:
            return "*"

    SecretsManagerResponse._determine_resource = secret_resource

    # A seventh, the same for CloudFront: checked against the distribution the path names
    # (/2020-05-31/distribution/ID/...), so an invalidation granted on one distribution only.
    from moto.cloudfront.responses import CloudFrontResponse

    def cloudfront_resource(self):
        parts = urlparse(self.uri).path.split("/")
        if len(parts) > 3 and parts[2] == "distribution":
            return f"arn:aws:cloudfront::{self.current_account}:distribution/{parts[3]}"
        return "*"

    CloudFrontResponse._determine_resource = cloudfront_resource
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
