#!/usr/bin/env python3
"""The functions as `sam build` made them, run by `sam local invoke` in a stand-in for Lambda's
provided.al2023 image, against a local AWS that the containers reach at ADDRESS (the bridge of
the Docker daemon scripts/sam-local started). scripts/sam-local makes the image and the build
and runs this; it prints one JSON line per invocation with --json.

1. Every function with its event from events/, made true for this stack: the buckets are the local
   ones, and a job names the photo validate checked in the same run (its image id, ETag, size and
   version), so each stage does its real work.
2. The whole pipeline: the template's state machine (statemachine/pipeline.asl.json) in moto's
   interpreter, each of its Lambda tasks a `sam local invoke`, so every stage is fed the previous
   one's output as Step Functions feeds it (retries and catches included): a good photo ends
   COMPLETED, a bad file REJECTED and set aside, and a photo whose resize meets a fault every time
   FAILED through the settle function. boto3 reads the record, variants, archive and notification.
3. `sam local start-api` in front of the real `api` function (see harness/README.md for how the
   caller's identity reaches it): an upload form, an image document, a list page.
"""
import argparse, copy, io, json, os, re, subprocess, sys, threading, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import local_aws  # noqa: E402
import local_stack  # noqa: E402

PHOTO = os.path.join(ROOT, "samples", "path.jpg")
# Variables the local run adds to every function: the endpoints of the local AWS. SAM sets only
# variables the template declares, so the template sam local reads declares them (template.local.json).
LOCAL_VARIABLES = ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_REKOGNITION", "DARKROOM_PUBLIC_S3_ENDPOINT")
# Which event of events/ each function gets (by the name of its executable).
EVENTS = {"validate": "validate.json", "metadata": "metadata.json", "moderate": "moderate.json", "resize": "resize.json",
          "thumbnail": "thumbnail.json", "archive": "archive.json", "settle": "record-failure.json",
          "reconcile": "reconcile.json", "api": "api.json", "render": "render.json"}


def functions(template):
    """Logical id -> executable name, for every function in the template (ValidateFunction -> validate)."""
    return {logical: logical[: -len("Function")].lower() for logical, resource in template["Resources"].items()
            if resource["Type"] == "AWS::Serverless::Function"}


def local_template(build_dir):
    """The template sam build wrote, as JSON beside it, declaring LOCAL_VARIABLES for every function."""
    from samtranslator.yaml_helper import yaml_parse
    template = yaml_parse(open(os.path.join(build_dir, "template.yaml")).read())
    variables = template.setdefault("Globals", {}).setdefault("Function", {}).setdefault("Environment", {}).setdefault("Variables", {})
    for name in LOCAL_VARIABLES:
        variables[name] = ""
    path = os.path.join(build_dir, "template.local.json")
    with open(path, "w") as f:
        json.dump(template, f, indent=1)
    return template, path


def environment(template, logical, stack, endpoint):
    """The function's variables as the stack would set them, with the local names, and `endpoint`
    (the function's own fault proxy) as its AWS."""
    names = {"ImagesTable": local_stack.TABLE, "SimilarTable": local_stack.SIMILAR, "DerivedBucket": local_stack.DERIVED,
             "ArchiveBucket": local_stack.ARCHIVE, "UploadsBucket": local_stack.UPLOADS, "OutcomesTopic": stack["topicArn"],
             "PipelineStateMachine": stack["stateMachineArn"], "RenditionKey": stack["renditionKeySecret"],
             "ApiSecret": stack["apiSecretArn"]}
    defaults = {name: str(p.get("Default", "")) for name, p in template["Parameters"].items()}
    declared = dict(template["Globals"]["Function"]["Environment"]["Variables"])
    declared.update(template["Resources"][logical]["Properties"].get("Environment", {}).get("Variables", {}))
    resolved = {}
    for name, value in declared.items():
        if isinstance(value, dict) and "Ref" in value:
            value = names.get(value["Ref"], defaults.get(value["Ref"], ""))
        resolved[name] = value if isinstance(value, str) else ""
    resolved.update(AWS_ENDPOINT_URL=endpoint, AWS_ENDPOINT_URL_REKOGNITION=stack["double"],
                    DARKROOM_PUBLIC_S3_ENDPOINT=stack["double"], LOG_LEVEL="INFO")
    if logical == "ApiFunction":
        # Uploads put in the bucket directly (the pipeline run's) belong to this subject.
        resolved["DARKROOM_OPERATOR_SUBJECT"] = "operator"
    return resolved


class Sam:
    """`sam local invoke` of one function of the local template, with its event on standard input."""

    def __init__(self, sam, template_path, env_vars_path, image, credentials, log):
        self.sam, self.template, self.env_vars, self.image, self.log = sam, template_path, env_vars_path, image, log
        self.environment = dict(os.environ, SAM_CLI_TELEMETRY="0", **credentials)

    def invoke(self, logical, event):
        started = time.monotonic()
        run = subprocess.run([self.sam, "local", "invoke", logical, "--template", self.template, "--event", "-",
                              "--env-vars", self.env_vars, "--invoke-image", self.image, "--skip-pull-image"],
                             input=json.dumps(event), capture_output=True, text=True, env=self.environment, timeout=300)
        wall = round((time.monotonic() - started) * 1000)
        with open(self.log, "a") as f:
            f.write(f"== {logical}\n{run.stderr}\n{run.stdout}\n")
        report = re.search(r"REPORT RequestId: \S+\s+(?:Init Duration: [\d.]+ ms\s+)?Duration: ([\d.]+) ms", run.stderr)
        # The payload is the last line of standard output (SAM prints nothing else there).
        lines = [line for line in run.stdout.splitlines() if line.strip()]
        payload = None
        if lines:
            try:
                payload = json.loads(lines[-1])
            except json.JSONDecodeError:
                payload = lines[-1]
        return {"payload": payload, "exit": run.returncode, "ms": round(float(report.group(1))) if report else wall,
                "error": payload.get("errorType") if isinstance(payload, dict) and set(payload) >= {"errorType", "errorMessage"} else None}


class SamLambdaClient:
    """What moto's interpreter calls as its Lambda client: each Invoke is a `sam local invoke`, and a
    function's error comes back as Lambda reports one (FunctionError, the error document)."""

    def __init__(self, sam, logical_by_name, calls):
        self.sam, self.logical_by_name, self.calls = sam, logical_by_name, calls

    def invoke(self, FunctionName, Payload=None, **_):
        name = FunctionName.rsplit(":", 1)[-1]
        event = json.loads(Payload or b"{}")
        answer = self.sam.invoke(self.logical_by_name[name], event)
        self.calls.append((name, answer))
        response = {"StatusCode": 200, "ExecutedVersion": "$LATEST", "Payload": io.BytesIO(json.dumps(answer["payload"]).encode())}
        if answer["error"] or answer["exit"] != 0:
            response["FunctionError"] = "Unhandled"
        return response


def start_local_aws(address):
    """moto, the Rekognition double and the fault proxy whose `another` makes each function's, on
    `address`; the resources of the template."""
    import boto3
    moto, endpoint, key, secret = local_aws.start_moto(host=address)
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name=local_aws.REGION, aws_access_key_id=key, aws_secret_access_key=secret)
    double = local_aws.ThreadingHTTPServer((address, 0), local_aws.make_double(local_aws.Verifier(key, secret), s3))
    threading.Thread(target=double.serve_forever, daemon=True).start()
    resources = local_stack.create_resources(endpoint, key, secret)
    proxy = local_aws.make_fault_proxy(endpoint, {}, host=address)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    return dict(resources, endpoint=endpoint, accessKeyId=key, secretAccessKey=secret,
                double=f"http://{address}:{double.server_address[1]}", proxy=proxy, servers=[moto, double, proxy])


def clients(stack):
    import boto3
    session = dict(endpoint_url=stack["endpoint"], region_name=local_aws.REGION, aws_access_key_id=stack["accessKeyId"],
                   aws_secret_access_key=stack["secretAccessKey"])
    return {name: boto3.client(name, **session) for name in ("s3", "dynamodb", "sqs", "stepfunctions", "secretsmanager")}


def upload(aws, path, key):
    """The object put, and the "Object Created" event EventBridge would send for it."""
    with open(path, "rb") as f:
        put = aws["s3"].put_object(Bucket=local_stack.UPLOADS, Key=key, Body=f.read())
    record = {"s3": {"bucket": {"name": local_stack.UPLOADS},
                     "object": {"key": key, "size": os.path.getsize(path), "eTag": put["ETag"].strip('"'),
                                "versionId": put.get("VersionId"), "sequencer": os.urandom(8).hex()}}}
    return local_stack.eventbridge_event(record)


def record(aws, image_id):
    item = aws["dynamodb"].get_item(TableName=local_stack.TABLE, Key={"imageId": {"S": image_id}}).get("Item")
    return item


def notifications(aws, stack):
    found = []
    while True:
        messages = aws["sqs"].receive_message(QueueUrl=stack["outcomesQueue"], MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
        if not messages:
            return found
        for message in messages:
            found.append(json.loads(message["Body"]))
            aws["sqs"].delete_message(QueueUrl=stack["outcomesQueue"], ReceiptHandle=message["ReceiptHandle"])


def expected_variants():
    """How many variants the template's Variants default stores: one per name and format (the
    built-in six when it is empty)."""
    text = local_stack.load_template()["Parameters"]["Variants"].get("Default", "")
    if not text:
        return 6
    count = 0
    for entry in text.replace(",", " ").split():
        formats = [o for o in entry.split(":")[2:] if all(f in ("jpeg", "png", "webp", "avif") for f in o.split("+"))]
        count += len(formats[-1].split("+")) if formats else 1
    return count


def made_true(event, job):
    """An events/ file's job (or jobs) with the identity of the job validate returned."""
    event = json.loads(json.dumps(event).replace("darkroom-uploads-REPLACE", local_stack.UPLOADS))
    for name in ("imageId", "source", "receivedAt", "sha256", "format", "contentType", "metadata"):
        if name in job:
            event[name] = job[name]
    if "branches" in event:
        event["branches"] = [made_true(branch, job) for branch in event["branches"]]
    return event


def events_run(sam, logical_by_name, aws, stack):
    """Each function once, with its events/ file made true for this stack; one result per function."""
    results = []

    def load(name):
        with open(os.path.join(ROOT, "events", EVENTS[name])) as f:
            return json.load(f)

    uploaded = upload(aws, PHOTO, "uploads/path.jpg")
    event = load("validate")
    event["detail"]["bucket"]["name"] = local_stack.UPLOADS
    event["detail"]["object"] = uploaded["detail"]["object"]
    job = None
    for name in ["validate", "metadata", "moderate", "resize", "thumbnail", "archive", "settle", "reconcile", "api", "render"]:
        logical = logical_by_name[name]
        if name == "validate":
            answer = sam.invoke(logical, event)
            job = answer["payload"] if isinstance(answer["payload"], dict) and not answer["error"] else {}
        elif name in ("reconcile", "api"):
            answer = sam.invoke(logical, load(name))
        elif name == "render":
            answer = sam.invoke(logical, rendition_event(load(name), job, aws, stack))
        else:
            answer = sam.invoke(logical, made_true(load(name), job))
            if name == "metadata" and isinstance(answer["payload"], dict) and answer["payload"].get("metadata"):
                # What the metadata stage found goes on with the image, as the state machine carries
                # it: the archive then finishes a record the render function can render.
                job = dict(job, metadata=answer["payload"]["metadata"])
        results.append(dict(function=logical, **judge(name, answer)))
    return results


def rendition_event(event, job, aws, stack):
    """events/render.json for the photo the stages just made, signed with the stack's key (read
    back from Secrets Manager, as the api function reads it)."""
    import base64, hashlib, hmac
    key = aws["secretsmanager"].get_secret_value(SecretId=stack["renditionKeySecret"])["SecretString"]
    signed = f"/pr:w320/{job.get('imageId', '')}"
    signature = base64.urlsafe_b64encode(hmac.new(key.encode(), signed.encode(), hashlib.sha256).digest()).rstrip(b"=").decode()
    text = json.dumps(event).replace("/IMAGEID-REPLACE/SIGNATURE-REPLACE/pr:w320/IMAGEID-REPLACE",
                                     f"/{job.get('imageId', '')}/{signature}{signed}")
    return json.loads(text)


def judge(name, answer):
    """What a function answered, and whether that is its success."""
    payload, error = answer["payload"], answer["error"] or (None if answer["exit"] == 0 else f"exit {answer['exit']}")
    if error:
        return {"outcome": error, "ms": answer["ms"], "ok": False}
    if name == "api":
        status = payload.get("statusCode") if isinstance(payload, dict) else None
        return {"outcome": f"HTTP {status}", "ms": answer["ms"], "ok": status == 200}
    if name == "render":
        status = payload.get("statusCode") if isinstance(payload, dict) else None
        kind = (payload.get("headers") or {}).get("Content-Type") if isinstance(payload, dict) else None
        return {"outcome": f"HTTP {status} {kind}", "ms": answer["ms"], "ok": status == 200 and kind == "image/webp"}
    if name == "reconcile":
        return {"outcome": "reconciled", "ms": answer["ms"], "ok": isinstance(payload, dict)}
    if name == "settle":
        return {"outcome": "settled", "ms": answer["ms"], "ok": True}
    ok = isinstance(payload, dict) and bool(payload.get("imageId"))
    detail = {"metadata": lambda p: f"{p['metadata']['width']}x{p['metadata']['height']} {p['metadata']['format']}",
              "moderate": lambda p: f"moderation {p['moderation']['status']}",
              "resize": lambda p: f"{len(p['variants'])} variants", "thumbnail": lambda p: f"{len(p['variants'])} variants"}.get(name)
    try:
        outcome = detail(payload) if detail else "job"
    except (KeyError, TypeError):
        outcome, ok = "an unexpected answer", False
    return {"outcome": outcome, "ms": answer["ms"], "ok": ok}


def route_tasks_to_sam(sam, logical_by_name):
    """moto's interpreter on (before any state machine is made: it keeps them in a backend of its
    own), its Lambda client SamLambdaClient. Returns the list every invocation is added to."""
    from moto.core.config import default_user_config
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
    calls = []
    default_user_config.setdefault("stepfunctions", {})["execute_state_machine"] = True
    lambda_eval_utils.boto_client_for = lambda region, service, state_credentials=None: SamLambdaClient(sam, logical_by_name, calls)
    # As local_stack.enable_state_machines does: moto deep-copies the state machine, its past
    # executions (and their locks) included, for each execution; a shallow copy does as well.
    import types
    from moto.stepfunctions.parser import models
    models.copy = types.SimpleNamespace(deepcopy=copy.copy)
    return calls


def pipeline_run(aws, stack, calls):
    """The template's state machine in moto's interpreter, its tasks `sam local invoke`s."""
    sfn = aws["stepfunctions"]
    arn = stack["stateMachineArn"]
    results = []

    def run(label, path, key, check):
        calls.clear()
        started = time.monotonic()
        event = upload(aws, path, key)
        try:
            execution = sfn.start_execution(stateMachineArn=arn, name=os.urandom(8).hex(), input=json.dumps(event))["executionArn"]
            while (described := sfn.describe_execution(executionArn=execution))["status"] == "RUNNING":
                time.sleep(0.5)
            item = image_of(event)
            problems = check(described, item["imageId"]["S"], item) if item else ["no record"]
        except Exception as error:  # noqa: BLE001 (reported as this check's failure)
            described, problems = {"status": type(error).__name__}, [str(error)[:300]]
        item = image_of(event)
        results.append({"check": f"pipeline: {label}", "outcome": described["status"], "ms": round((time.monotonic() - started) * 1000),
                        "ok": not problems, "problems": problems, "invocations": [name for name, _ in calls],
                        "imageId": item["imageId"]["S"] if item else None})

    def image_of(event):
        items = aws["dynamodb"].scan(TableName=local_stack.TABLE)["Items"]
        return next((i for i in items if i.get("source", {}).get("M", {}).get("key", {}).get("S") == event["detail"]["object"]["key"]), None)

    def listed(bucket, prefix):
        return [o["Key"] for o in aws["s3"].list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])]

    def told(image_id):
        return [n["status"] for n in notifications(aws, stack) if n.get("imageId") == image_id]

    def completed(described, image_id, item):
        problems = []
        if item["status"]["S"] != "COMPLETED":
            problems.append(f"status {item['status']['S']}")
        job = json.loads(item["job"]["S"]) if "job" in item else {}
        variants = job.get("variants", [])
        if len(variants) != expected_variants() or sorted(listed(local_stack.DERIVED, f"derived/{image_id}/")) != sorted(v["key"] for v in variants):
            problems.append(f"variants {[v.get('key') for v in variants]}")
        if not [k for k in listed(local_stack.ARCHIVE, "archive/") if f"/{image_id}/original." in k]:
            problems.append("no archived original")
        if told(image_id) != ["COMPLETED"]:
            problems.append("not announced once as COMPLETED")
        return problems

    def rejected(described, image_id, item):
        problems = []
        if (item["status"]["S"], item.get("reason", {}).get("S")) != ("REJECTED", "unsupported_format"):
            problems.append(f"status {item['status']['S']} {item.get('reason')}")
        if listed(local_stack.DERIVED, f"derived/{image_id}/"):
            problems.append("variants published")
        if not listed(local_stack.UPLOADS, f"quarantine/{image_id}/"):
            problems.append("the original was not set aside")
        if told(image_id) != ["REJECTED"]:
            problems.append("not announced once as REJECTED")
        return problems

    def failed(described, image_id, item):
        problems = []
        if item["status"]["S"] != "FAILED":
            problems.append(f"status {item['status']['S']}")
        if described["status"] != "FAILED" or "RecordFailure" not in json.dumps(sfn.get_execution_history(executionArn=described["executionArn"])["events"], default=str):
            problems.append("the execution did not go through RecordFailure")
        if listed(local_stack.DERIVED, f"derived/{image_id}/"):
            problems.append("variants left behind")
        if told(image_id) != ["FAILED"]:
            problems.append("not announced once as FAILED")
        return problems

    run("a good photo", PHOTO, "uploads/sam/path.jpg", completed)
    run("a bad file", os.path.join(ROOT, "samples", "bad", "not-a-picture.jpg"), "uploads/sam/not-a-picture.jpg", rejected)
    # Every request of the resize function meets 503 SlowDown: retried as the template says, then
    # caught, and settled.
    stack["proxies"]["resize"].own_rules[""] = -1
    try:
        run("a fault in resize, every time", PHOTO, "uploads/sam/fault/path.jpg", failed)
    finally:
        stack["proxies"]["resize"].own_rules.clear()
    return results


def api_run(args, template, env_vars_path, stack, aws, credentials, image_id):
    """`sam local start-api` of the template's HTTP API in front of the real `api` function, with
    the local authorizer double (harness/sam_authorizer) in the JWT authorizer's place."""
    import requests
    from local_api import AUDIENCE, TokenIssuer
    issuer, stranger = TokenIssuer("https://issuer.local.invalid"), TokenIssuer("https://issuer.local.invalid")
    public = issuer.key.public_key().public_numbers()
    local = copy.deepcopy(template)
    local["Resources"]["LocalAuthorizerFunction"] = {"Type": "AWS::Serverless::Function", "Properties": {
        "CodeUri": os.path.join(HERE, "sam_authorizer"), "Handler": "bootstrap", "Timeout": 10, "MemorySize": 128,
        "Environment": {"Variables": {"DARKROOM_LOCAL_JWT_N": format(public.n, "x"), "DARKROOM_LOCAL_JWT_E": format(public.e, "x"),
                                      "DARKROOM_LOCAL_JWT_ISSUER": issuer.issuer, "DARKROOM_LOCAL_JWT_AUDIENCE": AUDIENCE}}}}
    local["Resources"]["HttpApi"]["Properties"]["Auth"] = {"DefaultAuthorizer": "LocalJwt", "Authorizers": {"LocalJwt": {
        "FunctionArn": {"Fn::GetAtt": ["LocalAuthorizerFunction", "Arn"]}, "FunctionPayloadType": "REQUEST",
        "AuthorizerPayloadFormatVersion": "2.0", "EnableSimpleResponses": True, "Identity": {"Headers": ["Authorization"]}}}}
    path = os.path.join(args.build_dir, "template.start-api.json")
    with open(path, "w") as f:
        json.dump(local, f, indent=1)
    port = local_aws.free_port()
    base = f"http://127.0.0.1:{port}"
    log = open(args.log, "a")
    server = subprocess.Popen([args.sam, "local", "start-api", "--template", path, "--env-vars", env_vars_path, "--invoke-image", args.image,
                               "--skip-pull-image", "--host", "127.0.0.1", "--port", str(port), "--warm-containers", "LAZY"],
                              stdout=log, stderr=log, env=dict(os.environ, SAM_CLI_TELEMETRY="0", **credentials))
    results = []

    def check(label, attempt):
        started = time.monotonic()
        try:
            outcome, problems = attempt()
        except Exception as error:  # noqa: BLE001 (a failed check is reported, not raised)
            outcome, problems = type(error).__name__, [str(error)[:300]]
        results.append({"check": f"start-api: {label}", "outcome": outcome, "ms": round((time.monotonic() - started) * 1000),
                        "ok": not problems, "problems": problems})

    try:
        try:
            local_aws.wait_for_port(port, timeout=120)
        except RuntimeError:
            state = f"it ended with {server.returncode}" if server.poll() is not None else "it is still starting"
            return [{"check": "start-api", "outcome": "not listening", "ms": 0, "ok": False,
                     "problems": [f"sam local start-api is not on port {port} after 120 s ({state}); see {args.log}"]}]
        signed = {"Authorization": f"Bearer {issuer.issue('operator')}"}

        def refused():
            answers = [requests.get(f"{base}/v1/images", timeout=120).status_code,
                       requests.get(f"{base}/v1/images", headers={"Authorization": f"Bearer {stranger.issue('operator')}"}, timeout=120).status_code,
                       requests.get(f"{base}/v1/images", headers={"Authorization": f"Bearer {issuer.issue('operator', expires_in=-60)}"},
                                    timeout=120).status_code]
            return f"HTTP {answers}", [] if answers[0] == 401 and answers[1:] == [403, 403] else [f"answers {answers}, not [401, 403, 403]"]

        def form():
            photo = open(PHOTO, "rb").read()
            answer = requests.post(f"{base}/v1/uploads", json={"filename": "path.jpg", "contentType": "image/jpeg", "bytes": len(photo)},
                                   headers=signed, timeout=120)
            if answer.status_code != 201:
                return f"HTTP {answer.status_code}", [answer.text[:300]]
            post = answer.json()["post"]
            posted = requests.post(post["url"], data=post["fields"], files={"file": ("path.jpg", photo, "image/jpeg")}, timeout=60)
            head = aws["s3"].head_object(Bucket=local_stack.UPLOADS, Key=post["fields"]["key"])
            problems = [] if posted.status_code == 204 and head["ContentLength"] == len(photo) else [f"the form's POST answered {posted.status_code}"]
            return "HTTP 201, form posted", problems

        def document():
            answer = requests.get(f"{base}/v1/images/{image_id}", headers=signed, timeout=120)
            body = answer.json() if answer.headers.get("content-type", "").startswith("application/json") else {}
            problems = [] if answer.status_code == 200 and body.get("status") == "COMPLETED" and len(body.get("variants", [])) == expected_variants() \
                else [f"{answer.status_code} {answer.text[:300]}"]
            return f"HTTP {answer.status_code}", problems

        def page():
            answer = requests.get(f"{base}/v1/images", params={"limit": 10}, headers=signed, timeout=120)
            listed = [i["imageId"] for i in answer.json().get("items", [])] if answer.status_code == 200 else []
            return f"HTTP {answer.status_code}", [] if image_id in listed else [f"{answer.status_code}: {image_id} not listed in {listed}"]

        check("no token, another issuer's, an expired one", refused)
        check("an upload form, posted", form)
        check("an image document", document)
        check("a list page", page)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build-dir", required=True, help="where sam build wrote the functions and template.yaml")
    parser.add_argument("--image", required=True, help="the stand-in base image")
    parser.add_argument("--address", required=True, help="this machine's address on the containers' network")
    parser.add_argument("--sam", required=True, help="the SAM CLI")
    parser.add_argument("--json", action="store_true", help="one JSON line per result")
    parser.add_argument("--log", default=os.path.join(ROOT, "build", "sam-local", "invocations.log"))
    args = parser.parse_args()
    os.makedirs(os.path.dirname(args.log), exist_ok=True)
    open(args.log, "w").close()
    # moto's interpreter logs every failed execution with its whole program: the fault run's is expected.
    import logging
    logging.getLogger("moto").setLevel(logging.CRITICAL)

    stack = start_local_aws(args.address)
    template, template_path = local_template(args.build_dir)
    logical_by_name = {name: logical for logical, name in functions(template).items()}
    # One fault proxy per function, so that a run can make one function's requests fail.
    stack["proxies"] = {}
    for name in logical_by_name:
        proxy = stack["proxy"].another(name)
        threading.Thread(target=proxy.serve_forever, daemon=True).start()
        stack["proxies"][name] = proxy
    credentials = {"AWS_ACCESS_KEY_ID": stack["accessKeyId"], "AWS_SECRET_ACCESS_KEY": stack["secretAccessKey"],
                   "AWS_REGION": local_aws.REGION, "AWS_DEFAULT_REGION": local_aws.REGION}
    env_vars_path = os.path.join(args.build_dir, "env-vars.local.json")
    sam = Sam(args.sam, template_path, env_vars_path, args.image, credentials, args.log)
    calls = route_tasks_to_sam(sam, logical_by_name)
    _, stack["stateMachineArn"] = local_stack.create_state_machine(
        stack["endpoint"], stack["accessKeyId"], stack["secretAccessKey"], os.path.join(ROOT, "statemachine", "pipeline.asl.json"))
    # --env-vars: each function's variables as the stack sets them, its AWS through its own proxy.
    env_vars = {}
    for logical, name in functions(template).items():
        env_vars[logical] = environment(template, logical, stack, f"http://{args.address}:{stack['proxies'][name].server_address[1]}")
    with open(env_vars_path, "w") as f:
        json.dump(env_vars, f, indent=1)
    aws = clients(stack)

    results = []

    def report(found):
        for result in found:
            results.append(result)
            if args.json:
                print(json.dumps(result), flush=True)
            else:
                name = result.get("function") or result["check"]
                problems = "; ".join(result.get("problems") or [])
                print(f"{'ok  ' if result['ok'] else 'FAIL'} {name}: {result['outcome']} ({result['ms']} ms){' ' + problems if problems else ''}",
                      flush=True)

    report(events_run(sam, logical_by_name, aws, stack))
    notifications(aws, stack)  # the events run's announcements, out of the pipeline run's way
    report(pipeline_run(aws, stack, calls))
    completed = [r for r in results if r.get("check") == "pipeline: a good photo" and r["ok"]]
    if completed:
        report(api_run(args, template, env_vars_path, stack, aws, credentials, completed[0]["imageId"]))
    else:
        report([{"check": "start-api", "outcome": "not run", "ms": 0, "ok": False, "problems": ["the good photo did not complete"]}])
    for server in stack["servers"] + list(stack["proxies"].values()):
        server.shutdown()
    sys.exit(0 if all(r["ok"] for r in results) else 1)


if __name__ == "__main__":
    main()
