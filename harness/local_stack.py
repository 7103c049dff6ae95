#!/usr/bin/env python3
"""Darkroom on this machine, as it runs in AWS: moto (S3, DynamoDB, SNS, SQS, IAM) with signature
checking on, a Rekognition double that checks signatures, the stage, settle and reconcile executables served by
a local Runtime API (with the Lambda Invoke API in front), and the template's own state machine
(statemachine/pipeline.asl.json, in moto's interpreter) started for every upload event, as the
EventBridge rule starts it: its order, retries and catch paths are the ones AWS runs.

Everything listens on 127.0.0.1; it stops when its standard input closes (or on Ctrl-C).
"""
import argparse, json, os, secrets, signal, subprocess, sys, threading, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import local_api  # noqa: E402
import local_function_url  # noqa: E402
import local_aws  # noqa: E402
import template_facts  # noqa: E402
from local_lambda import Function, LambdaHost  # noqa: E402

UPLOADS, DERIVED, ARCHIVE = "darkroom-uploads", "darkroom-derived", "darkroom-archive"
# The template's AdoptBucket: existing photos `darkroom adopt` may put through the pipeline.
ADOPT = "darkroom-adopt"
TABLE, TOPIC, SIMILAR = "darkroom-images", "darkroom-outcomes", "darkroom-similar"
# The HTTP API's function (behind the local front and its token issuer).
API = "api"
# The token subject that sees the uploads written to the bucket directly.
OPERATOR = "operator"
# The pipeline's stage functions, as the state machine invokes them (template_facts reads them).
FUNCTIONS = template_facts.stages()
# The scheduled reconciler (it starts executions of the state machine).
RECONCILE = "reconcile"
# The catch path (no stage function is on it): sets a rejected original aside; records FAILED.
SETTLE = "settle"
# Renditions behind a function URL (its local front); its key in Secrets Manager.
RENDER = "render"
RENDITION_KEY = "darkroom-rendition-key"
# Uploads under this marker lose their event: no execution starts (the reconciler must find them).
LOST_EVENT = "lost-event/"


def create_resources(endpoint, key, secret):
    import boto3
    session = dict(endpoint_url=endpoint, region_name=local_aws.REGION, aws_access_key_id=key, aws_secret_access_key=secret)
    s3, sqs, sns, dynamo = (boto3.client(name, **session) for name in ("s3", "sqs", "sns", "dynamodb"))
    for bucket in (UPLOADS, DERIVED, ARCHIVE, ADOPT):
        s3.create_bucket(Bucket=bucket)
    # As the template has them: every stage reads the upload's version validate checked.
    for bucket in (UPLOADS, ARCHIVE):
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    # As template.yaml has them (check-template.py compares the two).
    for definition in table_definitions().values():
        dynamo.create_table(**definition)
    topic = sns.create_topic(Name=TOPIC)["TopicArn"]
    outcomes = sqs.create_queue(QueueName="darkroom-outcomes")["QueueUrl"]
    outcomes_arn = sqs.get_queue_attributes(QueueUrl=outcomes, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=outcomes_arn, Attributes={"RawMessageDelivery": "true"})
    events = sqs.create_queue(QueueName="darkroom-upload-events")["QueueUrl"]
    events_arn = sqs.get_queue_attributes(QueueUrl=events, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    dlq = sqs.create_queue(QueueName="darkroom-dlq")["QueueUrl"]
    s3.put_bucket_notification_configuration(Bucket=UPLOADS, NotificationConfiguration={"QueueConfigurations": [{
        "QueueArn": events_arn, "Events": ["s3:ObjectCreated:*"],
        "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "uploads/"}]}}}]})
    resources = {"topicArn": topic, "outcomesQueue": outcomes, "eventsQueue": events, "dlq": dlq}
    # The rendition key, as the template's RenditionKey secret holds it: the api and render
    # functions read it at start through GetSecretValue, never from their environment. Only its
    # ARN is in the settings; the value is listed for the secret scan.
    rendition_key = secrets.token_urlsafe(48)
    local_aws.remember_secrets(rendition_key)
    secrets_manager = boto3.client("secretsmanager", endpoint_url=endpoint, region_name=local_aws.REGION,
                                   aws_access_key_id=key, aws_secret_access_key=secret)
    resources["renditionKeySecret"] = secrets_manager.create_secret(Name=RENDITION_KEY, SecretString=rendition_key)["ARN"]
    # The template's ApiSecret, read by the api function at start the same way.
    api_secret = secrets.token_urlsafe(36)
    local_aws.remember_secrets(api_secret)
    resources["apiSecretArn"] = secrets_manager.create_secret(Name="darkroom-api-secret", SecretString=api_secret)["ARN"]
    return resources


load_template = template_facts.load_template


def table_definition(template, logical, name):
    """The table `logical` as template.yaml declares it (keys, indexes), named `name`, for
    create_table (the Swift tests make theirs with it too: Tests/Support/LocalAWS.swift)."""
    properties = template["Resources"][logical]["Properties"]
    keep = ("AttributeDefinitions", "KeySchema", "BillingMode", "GlobalSecondaryIndexes")
    return dict({k: properties[k] for k in keep if k in properties}, TableName=name)


def table_definitions():
    """The images and similar tables as template.yaml declares them, for create_table."""
    template = load_template()
    return {name: table_definition(template, logical, name) for logical, name in (("ImagesTable", TABLE), ("SimilarTable", SIMILAR))}


# Template parameters given with --param Name=Value, over their defaults.
PARAMETERS = {}


def function_variables(logical):
    """A function's own environment variables in template.yaml that are plain values or a `!Ref`
    of a parameter (the archive's storage class, the quotas), which reads as the parameter's value
    given with --param, else its default. A `!Ref` of a resource, or any other function, is left
    to the caller."""
    template = load_template()
    variables = template["Resources"][logical]["Properties"].get("Environment", {}).get("Variables", {})
    values = {name: str(p.get("Default", "")) for name, p in template["Parameters"].items()}
    unknown = set(PARAMETERS) - set(values)
    if unknown:
        raise SystemExit(f"--param: template.yaml has no parameter {', '.join(sorted(unknown))}")
    values.update(PARAMETERS)
    resolved = {name: values.get(value.get("Ref")) if isinstance(value, dict) else value for name, value in variables.items()}
    return {name: value for name, value in resolved.items() if isinstance(value, str)}


def index_keys():
    """Each table's global secondary indexes as the request counts price them: (key attributes,
    projected attributes, or None for all)."""
    indexes = {}
    for name, definition in table_definitions().items():
        for index in definition.get("GlobalSecondaryIndexes", []):
            projection = index["Projection"]
            projected = None if projection["ProjectionType"] == "ALL" else projection.get("NonKeyAttributes", [])
            indexes.setdefault(name, []).append(([k["AttributeName"] for k in index["KeySchema"]], projected))
    return indexes


def enable_state_machines(host):
    """moto's Amazon States Language interpreter, with its Lambda calls sent to our Invoke API (moto
    would otherwise run the functions in Docker, which is not here)."""
    import boto3
    from botocore.config import Config
    from moto.core.config import default_user_config
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils

    default_user_config.setdefault("stepfunctions", {})["execute_state_machine"] = True

    def lambda_client(region, service, state_credentials=None):
        return boto3.client(service, region_name=region, endpoint_url=host.endpoint, aws_access_key_id="local",
                            aws_secret_access_key="local", config=Config(retries={"total_max_attempts": 1}, read_timeout=120))

    lambda_eval_utils.boto_client_for = lambda_client

    # moto deep-copies the state machine for each execution, running executions (with their locks)
    # included, which fails once two overlap; a shallow copy freezes the definition just as well.
    import copy
    import types
    from moto.stepfunctions.parser import models
    models.copy = types.SimpleNamespace(deepcopy=copy.copy)


def create_state_machine(endpoint, key, secret, definition_path, moderation="rekognition"):
    import boto3
    sfn = boto3.client("stepfunctions", endpoint_url=endpoint, region_name=local_aws.REGION, aws_access_key_id=key,
                       aws_secret_access_key=secret)
    definition = open(definition_path).read()
    # As the template substitutes it: the moderation branch starts at the Moderate task, or, with
    # moderation off, at a Pass state that invokes nothing.
    definition = definition.replace("${ModerateStart}", "Moderate" if moderation == "rekognition" else "SkipModeration")
    for name in FUNCTIONS + [SETTLE]:
        arn = f"arn:aws:lambda:{local_aws.REGION}:123456789012:function:{name}"
        definition = definition.replace("${%sFunctionArn}" % name.capitalize(), arn)
    machine = sfn.create_state_machine(name="darkroom-pipeline", definition=definition, type="EXPRESS",
                                       roleArn="arn:aws:iam::123456789012:role/darkroom-state-machine")
    return sfn, machine["stateMachineArn"]


def start_rederive(sfn, s3, host, definition_path, log=None):
    """The template's rederive state machine (statemachine/rederive.asl.json) in moto, its
    executions run by harness/local_map.py: moto's interpreter cannot parse its Distributed Map
    (ItemBatcher, a JSONL reader), so moto holds a stand-in definition and the runner the real
    one, each child batch handed back to moto's interpreter. Returns its ARN and the runner (whose
    `s3`, its ItemReaders' and ResultWriters' client, --least-privilege replaces with one holding
    only the machine's own policy)."""
    import boto3
    from botocore.config import Config
    import local_map
    definition = open(definition_path).read()
    for name in [RECONCILE, SETTLE, "resize", "thumbnail"]:
        definition = definition.replace("${%sFunctionArn}" % name.capitalize(), f"arn:aws:lambda:{local_aws.REGION}:123456789012:function:{name}")
    role = "arn:aws:iam::123456789012:role/darkroom-rederive"
    stand_in = json.dumps({"StartAt": "RunLocally", "States": {"RunLocally": {"Type": "Pass", "End": True}}})
    arn = sfn.create_state_machine(name="darkroom-rederive", definition=stand_in, type="STANDARD", roleArn=role)["stateMachineArn"]
    invoker = boto3.client("lambda", region_name=local_aws.REGION, endpoint_url=host.endpoint, aws_access_key_id="local",
                           aws_secret_access_key="local", config=Config(retries={"total_max_attempts": 1}, read_timeout=900))
    runner = local_map.LocalMapRunner(json.loads(definition), sfn, s3, local_map.lambda_invoker(invoker), role, log=log)
    local_map.serve_in_moto(arn, runner)
    return arn, runner


def eventbridge_event(record):
    """The "Object Created" event EventBridge would send for an S3 notification record."""
    from urllib.parse import unquote_plus
    s3 = record["s3"]
    return {"version": "0", "id": s3["object"].get("sequencer", "local"), "detail-type": "Object Created", "source": "aws.s3",
            "account": "123456789012", "region": local_aws.REGION, "resources": [f"arn:aws:s3:::{s3['bucket']['name']}"],
            "detail": {"bucket": {"name": s3["bucket"]["name"]},
                       "object": {"key": unquote_plus(s3["object"]["key"]), "size": s3["object"].get("size", 0),
                                  "etag": s3["object"].get("eTag"), "version-id": s3["object"].get("versionId")},
                       "reason": "PutObject"}}


class StateMachineRunner:
    """The EventBridge rule: every upload event starts an execution of the template's state machine
    (statemachine/pipeline.asl.json, run by moto's interpreter), the one definition of the stages'
    order, retries and catch paths. Each event is delivered `deliveries` times, as S3 may; every
    extra delivery comes back up to `redelivery_delay` seconds late, so duplicates arrive out of
    order. `workers` (0: no limit) caps the executions running at once."""

    def __init__(self, sfn, arn, sqs, events_queue, deliveries=1, log=None, workers=0, redelivery_delay=0.0):
        import random
        self.sfn, self.arn, self.sqs, self.events_queue, self.deliveries = sfn, arn, sqs, events_queue, deliveries
        self.log = log or (lambda *a: None)
        self.stopping = threading.Event()
        self.executions = []
        self.slots = threading.BoundedSemaphore(workers) if workers > 0 else None
        self.redelivery_delay = redelivery_delay
        self.chance = random.Random(11)

    def run(self, event):
        import uuid
        if self.slots:
            self.slots.acquire()
        try:
            execution = self.sfn.start_execution(stateMachineArn=self.arn, name=str(uuid.uuid4()), input=json.dumps(event))["executionArn"]
            while True:
                described = self.sfn.describe_execution(executionArn=execution)
                if described["status"] != "RUNNING":
                    break
                time.sleep(0.2)
        finally:
            if self.slots:
                self.slots.release()
        self.executions.append({"arn": execution, "key": event["detail"]["object"]["key"], "status": described["status"]})
        detail = f" {described.get('error')}: {described.get('cause', '')[:300]}" if described["status"] != "SUCCEEDED" else ""
        self.log(f"execution {described['status']}: {event['detail']['object']['key']}{detail}")

    def loop(self):
        from urllib.parse import unquote_plus
        while not self.stopping.is_set():
            messages = self.sqs.receive_message(QueueUrl=self.events_queue, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
            for message in messages:
                event = json.loads(message["Body"])
                for record in event.get("Records", []):
                    if LOST_EVENT in unquote_plus(record["s3"]["object"]["key"]):
                        self.log(f"event lost on purpose: {record['s3']['object']['key']}")
                        continue
                    for copy in range(self.deliveries):
                        delay = self.chance.uniform(0, self.redelivery_delay) if copy else 0
                        timer = threading.Timer(delay, self.run, args=(eventbridge_event(record),))
                        timer.daemon = True
                        timer.start()
                self.sqs.delete_message(QueueUrl=self.events_queue, ReceiptHandle=message["ReceiptHandle"])


def start_edge(endpoint, key, secret, s3, render_url):
    """The local CloudFront (harness/local_edge.py) with private delivery: an RSA key pair made
    here, its private half in Secrets Manager (as the template's DeliverySigningKey), a
    distribution in moto for the invalidations. Returns the settings the api function is given."""
    import boto3
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    import local_edge
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    local_aws.remember_secrets(pem)
    session = dict(endpoint_url=endpoint, region_name=local_aws.REGION, aws_access_key_id=key, aws_secret_access_key=secret)
    signing_key = boto3.client("secretsmanager", **session).create_secret(Name="darkroom-delivery-key", SecretString=pem)["ARN"]
    cloudfront = boto3.client("cloudfront", **dict(session, region_name="us-east-1"))
    distribution = cloudfront.create_distribution(DistributionConfig={
        "CallerReference": "darkroom-local", "Comment": "Darkroom variants", "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{"Id": "variants", "DomainName": f"{DERIVED}.s3.amazonaws.com",
                                               "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "variants", "ViewerProtocolPolicy": "https-only"},
    })["Distribution"]["Id"]
    key_pair_id = "K" + secrets.token_hex(6).upper()
    server, base, _ = local_edge.start(s3, DERIVED, render_url, cloudfront, distribution, {key_pair_id: private.public_key()})
    return {"base": base, "distributionId": distribution, "keyPairId": key_pair_id, "signingKeyArn": signing_key, "server": server}


def least_privilege_keys(endpoint, key, secret, topic_arn, names, machine_arn=None, rendition_key_arn=None, api_secret_arn=None,
                         edge=None, logicals=()):
    """One IAM user per function in `names` whose only policy is that function's policy in
    template.yaml, with the template's references resolved to the local resources and its
    conditions (the CDN's) as this stack has them: `edge` (the edge double's {"distributionId",
    "signingKeyArn"}) or none. Returns name -> (key, secret)."""
    import boto3
    template = load_template()
    arns = {"UploadsBucket.Arn": f"arn:aws:s3:::{UPLOADS}", "DerivedBucket.Arn": f"arn:aws:s3:::{DERIVED}",
            "ArchiveBucket.Arn": f"arn:aws:s3:::{ARCHIVE}", "ImagesTable.Arn": f"arn:aws:dynamodb:{local_aws.REGION}:123456789012:table/{TABLE}",
            "SimilarTable.Arn": f"arn:aws:dynamodb:{local_aws.REGION}:123456789012:table/{SIMILAR}",
            "TopicKey.Arn": f"arn:aws:kms:{local_aws.REGION}:123456789012:key/local", "OutcomesTopic": topic_arn}
    if machine_arn:
        arns["PipelineStateMachine"] = machine_arn
    if rendition_key_arn:
        arns["RenditionKey"] = rendition_key_arn
    if api_secret_arn:
        arns["ApiSecret"] = api_secret_arn
    arns["AWS::AccountId"] = "123456789012"
    arns["AWS::Partition"] = "aws"
    arns["AWS::Region"] = local_aws.REGION
    arns["AWS::StackName"] = "darkroom"
    arns["AdoptBucket"] = ADOPT
    if edge:
        arns["Distribution"] = edge["distributionId"]
        arns["DeliverySigningKey"] = edge["signingKeyArn"]
    conditions = {"HasCdn": bool(edge), "SignsDelivery": bool(edge and edge.get("signingKeyArn")), "CanAdopt": True}
    nothing = object()

    def resolve(value):
        if isinstance(value, dict):
            if "Fn::If" in value:
                condition, then, otherwise = value["Fn::If"]
                return resolve(then if conditions[condition] else otherwise)
            if value == {"Ref": "AWS::NoValue"}:
                return nothing
            if "Fn::Sub" in value:
                text = value["Fn::Sub"]
                for name, arn in arns.items():
                    text = text.replace("${%s}" % name, arn)
                return text
            if "Fn::GetAtt" in value:
                return arns[".".join(value["Fn::GetAtt"])]
            if "Ref" in value:
                return arns[value["Ref"]]
            return {k: resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [r for r in (resolve(v) for v in value) if r is not nothing]
        return value

    iam = boto3.client("iam", endpoint_url=endpoint, region_name=local_aws.REGION, aws_access_key_id=key, aws_secret_access_key=secret)
    keys = {}
    for name in list(names) + list(logicals):
        logical = name if name in logicals else name.capitalize() + "Function"
        # SAM's policy templates (LambdaInvokePolicy) grant Lambda calls, which the local Invoke
        # API does not check: only the policy documents become the user's.
        policies = [p for p in template["Resources"][logical]["Properties"]["Policies"] if "Statement" in p]
        # Policies the template attaches to the function's role from outside it (RenderReadsUploads).
        policies += [resource["Properties"]["PolicyDocument"] for resource in template["Resources"].values()
                     if resource["Type"] == "AWS::IAM::Policy" and {"Ref": logical + "Role"} in resource["Properties"]["Roles"]]
        user = f"darkroom-{name}"[:64]
        iam.create_user(UserName=user)
        for index, policy in enumerate(policies):
            iam.put_user_policy(UserName=user, PolicyName=f"{logical}-{index}", PolicyDocument=json.dumps(resolve(policy)))
        created = iam.create_access_key(UserName=user)["AccessKey"]
        local_aws.remember_secrets(created["SecretAccessKey"])
        keys[name] = (created["AccessKeyId"], created["SecretAccessKey"])
    return keys


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the stack's settings as one JSON line")
    parser.add_argument("--no-build", action="store_true", help="use the executables already built")
    parser.add_argument("--deliver-twice", action="store_true", help="run every upload event twice, as S3 may deliver it")
    parser.add_argument("--deliveries", type=int, default=1, help="run every upload event this many times")
    # In AWS every execution starts at once and Lambda scales out; here each function has
    # --instances processes, so executions wait their turn rather than time out in a queue.
    parser.add_argument("--workers", type=int, default=4, help="at most this many executions at once (0: no limit)")
    parser.add_argument("--redelivery-delay", type=float, default=0.0, help="extra deliveries come up to this many seconds late")
    parser.add_argument("--release", action="store_true", help="build and run the functions in release mode")
    parser.add_argument("--instances", type=int, default=1, help="processes per function (Lambda's concurrent environments)")
    parser.add_argument("--log", help="append the functions' logs to this file")
    parser.add_argument("--fault-rate", type=float, default=0.0,
                        help="meet this share of the functions' AWS requests (S3, DynamoDB, SNS, Step Functions) with a fault")
    parser.add_argument("--fault-kinds", default=",".join(local_aws.FAULT_KINDS),
                        help=f"which faults, comma-separated (default all: {','.join(local_aws.FAULT_KINDS)})")
    parser.add_argument("--least-privilege", action="store_true",
                        help="run each function under its own IAM user holding only its policy from template.yaml")
    parser.add_argument("--concurrency", type=int, help="each stage function's reserved concurrency (as many processes; more"
                                                                   " invocations at once are throttled with 429, as Lambda does)")
    parser.add_argument("--moderation", choices=["rekognition", "off"], default="rekognition",
                        help="the template's Moderation: rekognition (the local double) or off (the state machine skips the moderate function)")
    parser.add_argument("--variants", help="DARKROOM_VARIANTS for every function (default: the built-in set)")
    parser.add_argument("--stuck-after", type=int, default=600, help="the reconcile function's DARKROOM_STUCK_AFTER_SECONDS")
    parser.add_argument("--cdn", action="store_true",
                        help="a local CloudFront (harness/local_edge.py) in front of the variants and renditions, with private "
                             "delivery: every URL the API hands out signed, an erase invalidating the image's paths")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="a template parameter's value (QuotaInFlight=2); repeat for more")
    args = parser.parse_args()
    for given in args.param:
        name, equals, value = given.partition("=")
        if not equals or not name:
            parser.error(f"--param takes NAME=VALUE, not {given!r}")
        PARAMETERS[name] = value

    root = os.path.dirname(HERE)
    mode = ["-c", "release"] if args.release else []
    if not args.no_build:
        # One product per call: given several --product flags, swift build builds only the last.
        for product in FUNCTIONS + [RECONCILE, SETTLE, API, RENDER]:
            subprocess.check_call(["swift", "build", *mode, "--product", product], cwd=root, stdout=sys.stderr)
    bin_path = subprocess.check_output(["swift", "build", *mode, "--show-bin-path"], cwd=root, text=True).strip()

    import boto3
    moto, endpoint, key, secret = local_aws.start_moto()
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name=local_aws.REGION, aws_access_key_id=key, aws_secret_access_key=secret)
    verifier = local_aws.Verifier(key, secret)
    double = local_aws.ThreadingHTTPServer(("127.0.0.1", 0), local_aws.make_double(verifier, s3))
    threading.Thread(target=double.serve_forever, daemon=True).start()
    double_url = f"http://127.0.0.1:{double.server_address[1]}"
    resources = create_resources(endpoint, key, secret)
    # The render function's URL, started first so that the api function knows where renditions are.
    host_functions = {}
    render_front, render_url = local_function_url.start(lambda: host_functions[RENDER])
    # The functions reach AWS through a proxy that can inject faults: at a rate, and on S3 keys
    # containing a marker.
    fault_rules = {"flaky-once/": 3, "always-fail/": -1}
    # Each function has a proxy of its own (sharing those rules, the rate and the counts), whose own
    # rules a test may set (POST PROXY/__rules {"": -1}: every request of that function fails).
    proxy = local_aws.make_fault_proxy(endpoint, fault_rules, rate=args.fault_rate, kinds=args.fault_kinds.split(","),
                                       indexes=index_keys())
    proxy_url = f"http://127.0.0.1:{proxy.server_address[1]}"
    served = FUNCTIONS + [SETTLE, RECONCILE, API, RENDER]
    proxies = {name: proxy.another(name) for name in served}
    for server in [proxy, *proxies.values()]:
        threading.Thread(target=server.serve_forever, daemon=True).start()

    environment = {
        "PATH": os.environ.get("PATH", ""), "AWS_REGION": local_aws.REGION, "AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret,
        "AWS_ENDPOINT_URL": proxy_url, "AWS_ENDPOINT_URL_REKOGNITION": double_url, "DARKROOM_TABLE": TABLE,
        "DARKROOM_DERIVED_BUCKET": DERIVED, "DARKROOM_ARCHIVE_BUCKET": ARCHIVE, "DARKROOM_TOPIC_ARN": resources["topicArn"],
        "DARKROOM_SIMILAR_TABLE": SIMILAR,
        **({"DARKROOM_VARIANTS": args.variants} if args.variants else {}),
        "DARKROOM_MODERATION": args.moderation, "DARKROOM_MIN_CONFIDENCE": "80", "LOG_LEVEL": "INFO", "VIPS_WARNING": "0",
    }
    host = LambdaHost()
    enable_state_machines(host)
    say_early = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    sfn, machine_arn = create_state_machine(endpoint, key, secret, os.path.join(root, "statemachine", "pipeline.asl.json"),
                                            moderation=args.moderation)
    resources["stateMachineArn"] = machine_arn
    rederive_arn, rederive_runner = start_rederive(sfn, s3, host, os.path.join(root, "statemachine", "rederive.asl.json"), log=say_early)
    edge = start_edge(endpoint, key, secret, s3, render_url) if args.cdn else None
    keys = least_privilege_keys(endpoint, key, secret, resources["topicArn"], served, machine_arn,
                                resources["renditionKeySecret"], resources["apiSecretArn"], edge=edge) if args.least_privilege else {}
    if args.least_privilege:
        # The bulk state machine's role: what its ItemReaders and ResultWriters may read and write.
        keys["rederive-machine"] = machine_keys = least_privilege_keys(
            endpoint, key, secret, resources["topicArn"], [], machine_arn, edge=edge, logicals=["RederiveStateMachine"])["RederiveStateMachine"]
        rederive_runner.s3 = boto3.client("s3", endpoint_url=endpoint, region_name=local_aws.REGION, aws_access_key_id=machine_keys[0],
                                          aws_secret_access_key=machine_keys[1])
    for access_key, secret_key in keys.values():
        verifier.add(access_key, secret_key)
    for name in served:
        env = dict(environment, AWS_ENDPOINT_URL=f"http://127.0.0.1:{proxies[name].server_address[1]}")
        if name in keys:
            env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"] = keys[name]
        if name == "archive":
            env.update(function_variables("ArchiveFunction"))
        if name == RECONCILE:
            # The rederive settings its manifest step hands on (RederiveConcurrency, ...).
            env.update(function_variables("ReconcileFunction"))
            env.update(DARKROOM_UPLOADS_BUCKET=UPLOADS, DARKROOM_STATE_MACHINE_ARN=machine_arn, DARKROOM_STUCK_AFTER_SECONDS=str(args.stuck_after),
                       DARKROOM_ADOPT_BUCKET=ADOPT)
            if edge:
                env.update(DARKROOM_CDN_DISTRIBUTION_ID=edge["distributionId"])
        if name == SETTLE:
            # An adopt run's copies: from the adopt bucket, into the uploads bucket.
            env.update(DARKROOM_UPLOADS_BUCKET=UPLOADS, DARKROOM_ADOPT_BUCKET=ADOPT)
        if name == API:
            env.update(function_variables("ApiFunction"))
            # The URLs it hands out (forms, presigned GETs) point at the S3 double, which checks
            # POST policies and presigned signatures as S3 does, and is reached from this machine.
            env.update(DARKROOM_UPLOADS_BUCKET=UPLOADS, DARKROOM_API_SECRET_ID=resources["apiSecretArn"], DARKROOM_PUBLIC_S3_ENDPOINT=double_url,
                       DARKROOM_OPERATOR_SUBJECT=OPERATOR, DARKROOM_RENDITION_BASE=f"{render_url}/r",
                       DARKROOM_RENDITION_KEY_SECRET=resources["renditionKeySecret"])
            if edge:
                # As the template sets them with the CDN and a delivery key: links through the
                # edge, signed; an erase invalidates at the edge.
                env.update(DARKROOM_CDN_BASE=edge["base"], DARKROOM_RENDITION_BASE=f"{edge['base']}/r",
                           DARKROOM_CDN_DISTRIBUTION_ID=edge["distributionId"], DARKROOM_CDN_KEY_PAIR_ID=edge["keyPairId"],
                           DARKROOM_CDN_SIGNING_KEY_SECRET=edge["signingKeyArn"])
        if name == RENDER:
            # A key rotated in a test reaches the running function within a second, not 30.
            env.update(DARKROOM_RENDITION_KEY_SECRET=resources["renditionKeySecret"], DARKROOM_UPLOADS_BUCKET=UPLOADS,
                       DARKROOM_RENDITION_KEY_REREAD_SECONDS="1")
        limited = args.concurrency if name in FUNCTIONS else None
        host.add(Function(name, executable=os.path.join(bin_path, name), environment=env, timeout=60, log=args.log,
                          instances=limited or args.instances, concurrency=limited))
    host.start()
    host_functions.update(host.functions)
    front, api_url, _ = local_api.start(host.functions[API])
    sqs = boto3.client("sqs", endpoint_url=endpoint, region_name=local_aws.REGION, aws_access_key_id=key, aws_secret_access_key=secret)
    say = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    deliveries = 2 if args.deliver_twice else args.deliveries
    orchestrator = StateMachineRunner(sfn, machine_arn, sqs, resources["eventsQueue"], deliveries, log=say, workers=args.workers,
                                      redelivery_delay=args.redelivery_delay)
    threading.Thread(target=orchestrator.loop, daemon=True).start()

    settings = dict(resources, endpoint=endpoint, lambda_endpoint=host.endpoint, faults=f"{proxy_url}/__faults",
                    requests=f"{proxy_url}/__requests", rekognition=double_url, region=local_aws.REGION,
                    proxies={name: f"http://127.0.0.1:{server.server_address[1]}" for name, server in proxies.items()},
                    accessKeyId=key, secretAccessKey=secret, uploads=UPLOADS, derived=DERIVED, archive=ARCHIVE, table=TABLE,
                    similarTable=SIMILAR, api=f"{api_url}/v1", token_url=f"{api_url}/token", operator=OPERATOR,
                    render=f"{render_url}/r", rederive_state_machine=rederive_arn, adopt_bucket=ADOPT, **({"edge": edge["base"], "distributionId": edge["distributionId"]} if edge else {}))
    if args.json:
        print(json.dumps(settings), flush=True)
    else:
        print(f"""Darkroom's local stack is up (Ctrl-C to stop).
  AWS endpoint   {endpoint}   (S3, DynamoDB, SNS, SQS; signatures checked)
  Lambda Invoke  {host.endpoint}/2015-03-31/functions/NAME/invocations
  HTTP API       {api_url}/v1   (tokens: curl -d '{{"sub":"alice"}}' {api_url}/token)
  Renditions     {render_url}/r   (signed URLs: GET /v1/images/ID, renditions)
  credentials    AWS_ACCESS_KEY_ID={key} AWS_SECRET_ACCESS_KEY={secret} AWS_REGION={local_aws.REGION}

Upload a photo and watch it:
  export AWS_ACCESS_KEY_ID={key} AWS_SECRET_ACCESS_KEY={secret} AWS_REGION={local_aws.REGION}
  aws --endpoint-url {endpoint} s3 cp samples/path.jpg s3://{UPLOADS}/uploads/path.jpg
  aws --endpoint-url {endpoint} dynamodb scan --table-name {TABLE} --query 'Items[].[imageId.S,status.S]'
  aws --endpoint-url {endpoint} s3 ls --recursive s3://{DERIVED}/""", flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    stop.wait()
    orchestrator.stopping.set()
    front.shutdown()
    render_front.shutdown()
    host.stop()
    double.shutdown()
    for server in [proxy, *proxies.values()]:
        server.shutdown()
    moto.shutdown()


if __name__ == "__main__":
    main()
