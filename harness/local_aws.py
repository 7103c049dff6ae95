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
import datetime, json, os, socket, sys, threading, time
from email.utils import formatdate
from http.server import ThreadingHTTPServer
from urllib.parse import urlsplit

# The harness's parts, one job each; importers of local_aws keep their names.
from billing import dynamodb_item_bytes, dynamodb_units  # noqa: F401
from doubles import make_double  # noqa: F401
from post_policy import policy_conditions_problem  # noqa: F401
from fault_proxy import FAULT_KINDS, make_fault_proxy  # noqa: F401
from moto_stack import ADMIN_POLICY, REGION, remember_secrets, start_moto  # noqa: F401
from net import free_port, serve_until_stdin_closes, wait_for_port  # noqa: F401
from sigv4_verifier import Verifier  # noqa: F401


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
