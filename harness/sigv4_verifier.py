"""SigV4 checked as AWS checks it, for the doubles."""
import datetime, json
from urllib.parse import parse_qsl

from post_policy import policy_conditions_problem


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
        return policy_conditions_problem(policy.get("conditions", []), lower, bucket, size)
