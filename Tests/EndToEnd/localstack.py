"""What the end-to-end tests share: starting harness/local_stack.py, and reading records,
notifications and objects from it with boto3."""
import contextlib, json, os, subprocess, sys, tempfile, time

import boto3
import requests

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "Tests", "Fixtures")
FINAL = ("COMPLETED", "REJECTED", "FAILED", "QUARANTINED")


@contextlib.contextmanager
def darkroom_serve(*options):
    """`darkroom serve` over a new temporary folder on any free port, stopped after:
    {"base", "api", "folder"}."""
    import shutil
    folder = tempfile.mkdtemp(prefix="darkroom-serve-")
    binary = os.path.join(subprocess.check_output(["swift", "build", "--show-bin-path"], cwd=ROOT, text=True).strip(), "darkroom")
    process = subprocess.Popen([binary, "serve", folder, "--port", "0", *options], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               text=True, env=dict(os.environ, VIPS_WARNING="0"))
    try:
        base = process.stdout.readline().split(" at ")[1].split("/ ")[0]
        yield {"base": base, "api": base + "/v1", "folder": folder}
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def local_stack(*options):
    """The local stack with `options`, its settings and boto3 clients in one dict; stopped after.
    The functions' logs and the stack's own output are kept in $DARKROOM_LOG_DIR when it is set
    (scripts/test scans them for secrets), else removed."""
    keep = os.environ.get("DARKROOM_LOG_DIR")
    if keep:
        os.makedirs(keep, exist_ok=True)
    log = tempfile.NamedTemporaryFile(prefix="darkroom-functions-", suffix=".log", delete=False, dir=keep)
    output = tempfile.NamedTemporaryFile(prefix="darkroom-stack-", suffix=".log", delete=False, dir=keep)
    process = subprocess.Popen([sys.executable, os.path.join(ROOT, "harness", "local_stack.py"), "--json", "--no-build",
                                "--log", log.name, *options], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=output, cwd=ROOT)
    try:
        stack = json.loads(process.stdout.readline())
        stack["log"] = log.name
        stack["notifications"] = []
        session = dict(endpoint_url=stack["endpoint"], region_name=stack["region"],
                       aws_access_key_id=stack["accessKeyId"], aws_secret_access_key=stack["secretAccessKey"])
        for name in ("s3", "dynamodb", "sqs", "iam", "stepfunctions"):
            stack[name] = boto3.client(name, **session)
        stack["lambda"] = boto3.client("lambda", **dict(session, endpoint_url=stack["lambda_endpoint"]))
        yield stack
    finally:
        process.stdin.close()
        process.wait(timeout=60)
        if not keep:
            os.unlink(log.name)
            os.unlink(output.name)


def records(stack):
    """Every record, by the upload's key."""
    return {item["source"]["M"]["key"]["S"]: item for item in stack["dynamodb"].scan(TableName=stack["table"])["Items"] if "source" in item}


def record_for(stack, key, timeout=60):
    """The image's record once it is final."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        item = records(stack).get(key)
        if item is not None and item["status"]["S"] in FINAL:
            return item
        time.sleep(0.5)
    raise AssertionError(f"{key} did not reach a final status; see {stack['log']}")


def wait_until_final(stack, keys, timeout):
    """The records of `keys` once every one of them is final (or whatever there is at the timeout)."""
    deadline = time.time() + timeout
    while True:
        found = records(stack)
        if all(key in found and found[key]["status"]["S"] in FINAL for key in keys) or time.time() > deadline:
            return found
        time.sleep(1)


def notifications(stack):
    """Every outcome published on SNS so far (through its SQS subscription)."""
    while True:
        messages = stack["sqs"].receive_message(QueueUrl=stack["outcomesQueue"], MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
        if not messages:
            return stack["notifications"]
        for message in messages:
            stack["notifications"].append(json.loads(message["Body"]))
            stack["sqs"].delete_message(QueueUrl=stack["outcomesQueue"], ReceiptHandle=message["ReceiptHandle"])


def objects(stack, bucket, prefix):
    return {o["Key"]: o for o in stack["s3"].list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])}


class Client:
    """One user of the API."""

    def __init__(self, stack, sub):
        self.stack, self.api, self.sub = stack, stack["api"], sub
        token = requests.post(stack["token_url"], json={"sub": sub}, timeout=10).json()["token"]
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path, **params):
        return requests.get(self.api + path, params=params, headers=self.headers, allow_redirects=False, timeout=30)

    def delete(self, path):
        return requests.delete(self.api + path, headers=self.headers, timeout=60)

    def ask(self, data, content_type="image/jpeg", filename="photo.jpg", **extra):
        return requests.post(self.api + "/uploads", json=dict(filename=filename, contentType=content_type, bytes=len(data), **extra),
                             headers=self.headers, timeout=30)

    def upload(self, data, content_type="image/jpeg", filename="photo.jpg"):
        """Asks for a form, posts the file through it, waits for the final status; the image's JSON."""
        answer = self.ask(data, content_type, filename)
        assert answer.status_code == 201, answer.text
        form = answer.json()
        posted = requests.post(form["post"]["url"], data=form["post"]["fields"], files={"file": (filename, data, content_type)}, timeout=30)
        assert posted.status_code == 204, posted.text
        deadline = time.time() + 90
        while time.time() < deadline:
            status = self.get(f"/uploads/{form['uploadId']}")
            if status.status_code == 303:
                image = requests.get(self.api.rsplit("/v1", 1)[0] + status.headers["Location"], headers=self.headers, timeout=30)
                assert image.status_code == 200, image.text
                return image.json()
            assert status.status_code == 200 and status.json()["status"] in ("WAITING", "UPLOADED", "PROCESSING"), status.text
            time.sleep(0.5)
        raise AssertionError(f"upload {form['uploadId']} never ended; see {self.stack['log']}")


def deliver_again(stack, record):
    """Runs the state machine on the upload event of `record` (a DynamoDB item) once more, as a
    late second delivery by S3 would, and waits for the execution to end."""
    source = record["source"]["M"]
    event = {"version": "0", "id": "again", "detail-type": "Object Created", "source": "aws.s3", "account": "123456789012",
             "region": stack["region"], "resources": [], "detail": {
                 "bucket": {"name": source["bucket"]["S"]}, "reason": "PutObject",
                 "object": {"key": source["key"]["S"], "size": int(source["size"]["N"]), "etag": source.get("etag", {}).get("S"),
                            "version-id": source["versionId"]["S"]}}}
    execution = stack["stepfunctions"].start_execution(stateMachineArn=stack["stateMachineArn"], input=json.dumps(event))["executionArn"]
    deadline = time.time() + 60
    while stack["stepfunctions"].describe_execution(executionArn=execution)["status"] == "RUNNING" and time.time() < deadline:
        time.sleep(0.5)
