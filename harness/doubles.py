"""Signature-checking doubles for what moto lacks: presigned S3 URLs and POST policies, Rekognition."""
import json
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, urlsplit

from moto_stack import REGION


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
