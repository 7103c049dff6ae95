#!/usr/bin/env python3
"""Checks template.yaml without an AWS account: cfn-lint reports no errors, the SAM translator
transforms it (with the local paths replaced by S3 URIs, as `sam package` would), every function
matches a product of Package.swift through its Makefile target and the other way round, and the
state machine definition parses and is whole (every Next exists, every substitution is defined), and
the promises of docs/deploying.md hold: versioned and kept data, alarms on their own topic, a timeout
on every task, at most one retry of a task that ran out of memory or time, reserved concurrency."""
import json, os, re, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
    print(("ok   " if condition else "FAIL ") + message)


lint = subprocess.run(["cfn-lint", os.path.join(ROOT, "template.yaml")], capture_output=True, text=True)
check(lint.returncode in (0, 4, 8), "cfn-lint reports no errors" + ("" if lint.returncode in (0, 4, 8) else ":\n" + lint.stdout))

from samtranslator.translator.transform import transform  # noqa: E402
from samtranslator.yaml_helper import yaml_parse  # noqa: E402

template = yaml_parse(open(os.path.join(ROOT, "template.yaml")).read())
resources = template["Resources"]
definition_paths = {}
for name, resource in resources.items():
    properties = resource.get("Properties", {})
    for key in ("CodeUri", "ContentUri"):
        if key in properties:
            properties[key] = f"s3://darkroom-artifacts/{name}.zip"
    if "DefinitionUri" in properties:
        definition_paths[name] = os.path.join(ROOT, properties.pop("DefinitionUri"))
        properties["Definition"] = json.load(open(definition_paths[name]))
definition_path = definition_paths["PipelineStateMachine"]


class NoManagedPolicies:
    def load(self):
        return {}


try:
    translated = transform(template, {}, NoManagedPolicies())
    kinds = {r["Type"] for r in translated["Resources"].values()}
    check({"AWS::Lambda::Function", "AWS::StepFunctions::StateMachine", "AWS::Events::Rule", "AWS::Lambda::LayerVersion"} <= kinds,
          f"the SAM translator transforms the template ({len(translated['Resources'])} resources)")
except Exception as error:  # the translator reports every problem in one exception
    check(False, f"the SAM translator transforms the template: {error}")

# Functions <-> products, through the Makefile.
package = open(os.path.join(ROOT, "Package.swift")).read()
products = set(re.findall(r'\.executable\(name: "([^"]+)"', package)) - {"darkroom"}
# What `make build-<Name>` would run in each resource's folder (sam build's call), without running it.
as_written = yaml_parse(open(os.path.join(ROOT, "template.yaml")).read())["Resources"]
targets = {}
for name, resource in as_written.items():
    if resource.get("Metadata", {}).get("BuildMethod") != "makefile":
        continue
    folder = resource["Properties"].get("CodeUri") or resource["Properties"].get("ContentUri")
    dry = subprocess.run(["make", "--no-print-directory", "-n", "-C", os.path.join(ROOT, folder), f"build-{name}", "ARTIFACTS_DIR=/artifacts"],
                         capture_output=True, text=True)
    check(dry.returncode == 0, f"{name}: the Makefile in {folder} has build-{name}" + ("" if dry.returncode == 0 else f": {dry.stderr.strip()}"))
    check(f"packaging/sam-target {name}" in dry.stdout, f"{name}: its build stops on an architecture that is not the machine's")
    built = re.search(r"packaging/function (\w+) ", dry.stdout)
    if built:
        targets[name] = built.group(1)
functions = {name for name, r in resources.items() if r["Type"] == "AWS::Serverless::Function"}
check(functions == set(targets), f"every function has a Makefile target that builds a function ({sorted(functions)})")
check(set(targets.values()) == products, f"the functions build exactly the Lambda products of Package.swift ({sorted(products)})")
check(template["Parameters"]["Architecture"]["Default"] == "x86_64",
      "the default architecture is x86_64, what sam build makes on the machines this is built and tested on")
for name in functions:
    metadata = resources[name].get("Metadata", {})
    check(metadata.get("BuildMethod") == "makefile", f"{name} builds with the Makefile")
pixel = {"ValidateFunction", "MetadataFunction", "ResizeFunction", "ThumbnailFunction", "RenderFunction"}
for name in functions:
    layered = bool(resources[name]["Properties"].get("Layers"))
    check(layered == (name in pixel), f"{name} {'has' if name in pixel else 'has no'} libvips layer")

# Least privilege: no "*" resource for S3 or DynamoDB actions.
for name in functions:
    for policy in resources[name]["Properties"].get("Policies", []):
        statements = policy.get("Statement", []) if isinstance(policy, dict) else []
        # A statement granted only under a condition (!If [Cond, STATEMENT, !Ref AWS::NoValue]).
        statements = [branch for s in statements for branch in (s["Fn::If"][1:] if "Fn::If" in s else [s]) if "Action" in branch]
        for statement in statements:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            resource = statement["Resource"]
            wide = resource == "*" or (isinstance(resource, list) and "*" in resource)
            if any(a.startswith(("s3:", "dynamodb:")) for a in actions):
                check(not wide, f"{name}: {actions} are not granted on every resource")

# The state machine definition.
definition = json.load(open(definition_path))
states = {}


def collect(machine):
    for state_name, state in machine["States"].items():
        states[state_name] = state
        for branch in state.get("Branches", []):
            collect(branch)


collect(definition)
targets_named = ([s.get("Next") for s in states.values()] + [s.get("Default") for s in states.values()]
                 + [c["Next"] for s in states.values() for c in s.get("Catch", []) + s.get("Choices", [])])
check(all(t in states for t in targets_named if t), "every Next, Default, Choice and Catch target of the state machine exists")
check(definition["StartAt"] in states, "the state machine's StartAt exists")
substitutions = set(re.findall(r"\$\{(\w+)\}", json.dumps(definition)))
defined = set(resources["PipelineStateMachine"]["Properties"]["DefinitionSubstitutions"])
check(substitutions == defined, f"every substitution in the definition is defined ({sorted(substitutions)})")
check(resources["PipelineStateMachine"]["Properties"]["Type"] == "EXPRESS", "the state machine is an Express workflow")

# The rederive state machine: a Standard run around a Distributed Map whose children are Express
# workflows, every state reachable, every substitution defined, every task bounded in time.
rederive = json.load(open(definition_paths["RederiveStateMachine"]))
rederive_states = {}


rederive_names = []


def collect_all(machine, into):
    for state_name, state in machine["States"].items():
        into[state_name] = state
        rederive_names.append(state_name)
        for branch in state.get("Branches", []) + ([state["ItemProcessor"]] if "ItemProcessor" in state else []):
            collect_all(branch, into)


collect_all(rederive, rederive_states)
# The States Language: state names are unique within the whole state machine, nested ones included.
check(len(rederive_names) == len(set(rederive_names)), "every state of the rederive state machine has a name of its own")
named = ([s.get("Next") for s in rederive_states.values()] + [s.get("Default") for s in rederive_states.values()]
         + [c["Next"] for s in rederive_states.values() for c in s.get("Catch", []) + s.get("Choices", [])])
check(all(t in rederive_states for t in named if t), "every target of the rederive state machine exists")
check(set(re.findall(r"\$\{(\w+)\}", json.dumps(rederive)))
      == set(resources["RederiveStateMachine"]["Properties"]["DefinitionSubstitutions"]),
      "every substitution in the rederive definition is defined")
check(resources["RederiveStateMachine"]["Properties"]["Type"] == "STANDARD", "the rederive state machine is a Standard workflow")
maps = {(s["ItemReader"]["Resource"].rsplit(":", 1)[-1], s["ItemReader"].get("ReaderConfig", {}).get("InputType")): s
        for s in rederive_states.values() if s["Type"] == "Map" and s.get("ItemReader")}
check(sorted(maps, key=str) == [("getObject", "JSONL"), ("getObject", "MANIFEST"), ("listObjectsV2", None)]
      and all(m["ItemProcessor"]["ProcessorConfig"] == {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"}
              and "ItemBatcher" in m and "ResultWriter" in m and "ToleratedFailurePercentagePath" in m for m in maps.values()),
      "each bulk source (rederive's manifest, adopt's listing or S3 Inventory report) is one Distributed Map with Express "
      "children, batches, a failure tolerance and results in S3")
check(all("TimeoutSeconds" in s for s in rederive_states.values() if s["Type"] == "Task"), "every rederive Task has a TimeoutSeconds")
# Adopt reads one bucket, the AdoptBucket, and only when it is given: the machine lists it, the
# settle function reads it (moto checks neither: a copy's source and the runner's listing).
adopt_grants = {}
for logical, action, resource in (("RederiveStateMachine", "s3:ListBucket", "arn:${AWS::Partition}:s3:::${AdoptBucket}"),
                                  ("RederiveStateMachine", "s3:GetObject", "arn:${AWS::Partition}:s3:::${AdoptBucket}/*"),
                                  ("SettleFunction", "s3:GetObject", "arn:${AWS::Partition}:s3:::${AdoptBucket}/*")):
    statements = [st for p in resources[logical]["Properties"]["Policies"] if isinstance(p, dict) for st in p.get("Statement", [])]
    adopt_grants[(logical, action)] = [st for st in statements if isinstance(st, dict) and "Fn::If" in st
                             and st["Fn::If"][0] == "CanAdopt" and st["Fn::If"][1].get("Action") == action
                             and st["Fn::If"][1].get("Resource") == {"Fn::Sub": resource}]
check(all(len(g) == 1 for g in adopt_grants.values())
      and template["Conditions"]["CanAdopt"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "AdoptBucket"}, ""]}]},
      "adopt's source is read only when AdoptBucket is given: listed (and its inventory read) by the bulk state machine, read by the settle function")

# Nothing lost, nothing flooded: the data is versioned and kept, alarms have a topic of their own,
# every task has a timeout and is retried at most once when it ran out of memory or time, and every
# function has reserved concurrency.
raw = yaml_parse(open(os.path.join(ROOT, "template.yaml")).read())
raw_resources = raw["Resources"]
for bucket in ("UploadsBucket", "ArchiveBucket"):
    check(raw_resources[bucket]["Properties"].get("VersioningConfiguration", {}).get("Status") == "Enabled", f"{bucket} is versioned")
for kept in ("UploadsBucket", "DerivedBucket", "ArchiveBucket", "ImagesTable"):
    check(raw_resources[kept].get("DeletionPolicy") == "Retain", f"{kept} is kept when the stack goes")
check(raw_resources["ImagesTable"]["Properties"].get("DeletionProtectionEnabled") is True, "the table has deletion protection")
# The archived original goes straight into its storage class: a lifecycle transition is a request
# S3 bills per object, more than the copy itself (docs/deploying.md).
archive_rules = raw_resources["ArchiveBucket"]["Properties"].get("LifecycleConfiguration", {}).get("Rules", [])
check(not [r for r in archive_rules if r.get("Transitions") or r.get("Transition")], "the archive bucket has no lifecycle transition")
archive_variables = raw_resources["ArchiveFunction"]["Properties"].get("Environment", {}).get("Variables", {})
check(archive_variables.get("DARKROOM_ARCHIVE_STORAGE_CLASS") == {"Ref": "ArchiveStorageClass"},
      "the archive function copies into ArchiveStorageClass")
alarms = {name: r["Properties"] for name, r in raw_resources.items() if r["Type"] == "AWS::CloudWatch::Alarm"}
check(all(a.get("AlarmActions") == [{"Ref": "AlarmsTopic"}] for a in alarms.values()), "every alarm goes to AlarmsTopic, none to the outcomes topic")
watched = {a.get("MetricName") for a in alarms.values()}
check({"ExecutionsFailed", "ExecutionsTimedOut", "ExecutionThrottled"} <= watched, "alarms watch failed, timed-out and throttled executions")
tasks = {name: state for name, state in states.items() if state["Type"] == "Task"}
check(all("TimeoutSeconds" in state for state in tasks.values()), f"every Task has a TimeoutSeconds ({len(tasks)} tasks)")
check(all(retrier.get("MaxAttempts", 3) <= 1 for state in tasks.values() for retrier in state.get("Retry", [])
          if "Lambda.Unknown" in retrier["ErrorEquals"] or "States.Timeout" in retrier["ErrorEquals"]),
      "a task that ran out of memory or time is retried at most once")
check(all(any("Lambda.Unknown" in r["ErrorEquals"] for r in state.get("Retry", [])) for state in tasks.values()),
      "every task says how often Lambda.Unknown is retried")
concurrency = raw.get("Globals", {}).get("Function", {}).get("ReservedConcurrentExecutions")
check(concurrency is not None and all(raw_resources[name]["Properties"].get("ReservedConcurrentExecutions", concurrency) for name in functions),
      "every function has reserved concurrency")

# The front door (docs/api.md): every route under /v1 behind the JWT authorizer, throttled, logged;
# variants only through the distribution, over HTTPS, when the CDN is on.
api = raw_resources["HttpApi"]["Properties"]
check(api["Auth"]["DefaultAuthorizer"] in api["Auth"]["Authorizers"] and "JwtConfiguration" in api["Auth"]["Authorizers"][api["Auth"]["DefaultAuthorizer"]],
      "the HTTP API's default authorizer is a JWT authorizer")
check({"ThrottlingRateLimit", "ThrottlingBurstLimit"} <= set(api.get("DefaultRouteSettings", {})), "the HTTP API's routes are throttled")
check("DestinationArn" in api.get("AccessLogSettings", {}) and "CorsConfiguration" in api, "the HTTP API logs access and answers CORS")
routes = [e["Properties"] for e in raw_resources["ApiFunction"]["Properties"]["Events"].values()]
check(routes and all(r["Path"].startswith("/v1/") and r["ApiId"] == {"Ref": "HttpApi"} and "Auth" not in r for r in routes),
      f"every API route is under /v1 on the HTTP API, none without its authorizer ({len(routes)} routes)")
distribution = raw_resources["Distribution"]["Properties"]["DistributionConfig"]
behaviors = [distribution["DefaultCacheBehavior"]] + distribution.get("CacheBehaviors", [])
check(all(b["ViewerProtocolPolicy"] == "https-only" for b in behaviors) and all("OriginAccessControlId" in o for o in distribution["Origins"]),
      "the distribution serves HTTPS only and reaches its origins through Origin Access Control")
check({b.get("PathPattern") for b in behaviors} == {None, "derived/*", "r/*"},
      "the distribution serves the page at /, the variants under derived/, the renditions under r/")

# Renditions (docs/renditions.md): the function URL only CloudFront may call, its key from Secrets
# Manager at init, Accept normalised before the cache lookup, refusals cached briefly.
render = raw_resources["RenderFunction"]["Properties"]
check(render["FunctionUrlConfig"]["AuthType"] == {"Fn::If": ["HasCdn", "AWS_IAM", "NONE"]} and render["FunctionUrlConfig"].get("InvokeMode") == "BUFFERED",
      "the render function's URL takes IAM-signed requests (CloudFront's) behind the distribution, buffered")
origin_access = [r["Properties"]["OriginAccessControlConfig"] for r in raw_resources.values() if r["Type"] == "AWS::CloudFront::OriginAccessControl"]
render_origin = next(o for o in distribution["Origins"] if o["Id"] == "render")
check(any(o["OriginAccessControlOriginType"] == "lambda" and o["SigningBehavior"] == "always" for o in origin_access)
      and "RenderFunctionUrl" in json.dumps(render_origin["DomainName"]),
      "the distribution reaches the render function's URL through an Origin Access Control for Lambda")
permissions = [r["Properties"] for r in raw_resources.values() if r["Type"] == "AWS::Lambda::Permission"]
check(any(p["Action"] == "lambda:InvokeFunctionUrl" and p["Principal"] == "cloudfront.amazonaws.com" and p.get("FunctionUrlAuthType") == "AWS_IAM"
          and "${Distribution}" in json.dumps(p.get("SourceArn")) for p in permissions),
      "only this distribution may invoke the render function's URL (lambda:InvokeFunctionUrl, by its ARN)")
variables = json.dumps({name: r["Properties"].get("Environment", {}) for name, r in raw_resources.items() if r["Type"] == "AWS::Serverless::Function"})
check("resolve:secretsmanager" not in variables and {"Ref": "ApiSecret"} == raw_resources["ApiFunction"]["Properties"]["Environment"]["Variables"]["DARKROOM_API_SECRET_ID"],
      "the API secret reaches no environment: the api function gets the secret's ARN and reads it at init")
check("RenditionKey}" not in variables and "resolve:secretsmanager:${RenditionKey" not in variables
      and {"Ref": "RenditionKey"} == render["Environment"]["Variables"]["DARKROOM_RENDITION_KEY_SECRET"],
      "the rendition key reaches no environment: the functions get the secret's name and read it at init")
rendition_behavior = next(b for b in behaviors if b.get("PathPattern") == "r/*")
check([a["EventType"] for a in rendition_behavior.get("FunctionAssociations", [])] == ["viewer-request"]
      and raw_resources["AcceptNormaliser"]["Properties"]["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0",
      "a CloudFront Function normalises Accept on every rendition request before the cache lookup")
cache_key = raw_resources["RenditionsCachePolicy"]["Properties"]["CachePolicyConfig"]["ParametersInCacheKeyAndForwardedToOrigin"]
check(cache_key["HeadersConfig"] == {"HeaderBehavior": "whitelist", "Headers": ["Accept"]} and cache_key["CookiesConfig"]["CookieBehavior"] == "none"
      and cache_key["QueryStringsConfig"]["QueryStringBehavior"] == "none",
      "a rendition's cache key is its path and the normalised Accept, nothing else")
check({e["ErrorCode"]: e["ErrorCachingMinTTL"] for e in distribution.get("CustomErrorResponses", [])}.get(403) == 10,
      "refusals are cached for seconds, not a year")
derived_policy = json.dumps(raw_resources["DerivedBucketPolicy"]["Properties"]["PolicyDocument"])
check("cloudfront.amazonaws.com" in derived_policy and "AWS:SourceArn" in derived_policy,
      "the derived bucket lets only the distribution read (by its ARN)")


# The front door (docs/hardening.md): sign-up and password sign-in only when asked, MFA offered;
# the page under a strict CSP, what is made of uploads sandboxed on the page's origin.
pool = raw_resources["UserPool"]["Properties"]
check(pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] == {"Fn::If": ["AllowsSelfSignUp", False, True]}
      and template["Parameters"]["SelfSignUp"]["Default"] == "off" and pool.get("MfaConfiguration") == "OPTIONAL",
      "self sign-up is a parameter, off by default; MFA is optional")
flows = raw_resources["UserPoolClient"]["Properties"]["ExplicitAuthFlows"]["Fn::If"]
check(flows[0] == "AllowsPasswordAuth" and "ALLOW_USER_PASSWORD_AUTH" in flows[1] and "ALLOW_USER_PASSWORD_AUTH" not in flows[2]
      and template["Parameters"]["PasswordAuth"]["Default"] == "off",
      "the app client drops ALLOW_USER_PASSWORD_AUTH unless PasswordAuth is on")
page_headers = raw_resources["PageHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
page_csp = json.dumps(page_headers["ContentSecurityPolicy"]["ContentSecurityPolicy"])
check(distribution["DefaultCacheBehavior"].get("ResponseHeadersPolicyId") == {"Ref": "PageHeadersPolicy"}
      and "default-src 'self'" in page_csp and "frame-ancestors 'none'" in page_csp and "connect-src 'self' https://*.execute-api." in page_csp
      and "amazoncognito.com" in page_csp and {"StrictTransportSecurity", "ContentTypeOptions", "ReferrerPolicy"} <= set(page_headers),
      "the page is served with HSTS, nosniff, a Referrer-Policy and a CSP (self, the API, Cognito; no framing)")
user_content = raw_resources["UserContentHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
check(all(b.get("ResponseHeadersPolicyId") == {"Ref": "UserContentHeadersPolicy"} for b in behaviors if b.get("PathPattern") in ("derived/*", "r/*"))
      and "sandbox" in user_content["ContentSecurityPolicy"]["ContentSecurityPolicy"] and "ContentTypeOptions" in user_content,
      "variants and renditions are served sandboxed and unsniffed: nothing from a user-derived path reads the page's token")

# Quotas (docs/api.md, "Quotas"): each limit a parameter (0: none) that reaches the api function.
api_variables = raw_resources["ApiFunction"]["Properties"]["Environment"]["Variables"]
quotas = {"QuotaImagesPerDay": "DARKROOM_QUOTA_IMAGES_PER_DAY", "QuotaStoredBytes": "DARKROOM_QUOTA_STORED_BYTES",
          "QuotaInFlight": "DARKROOM_QUOTA_IN_FLIGHT", "QuotaUploadsPerMinute": "DARKROOM_QUOTA_UPLOADS_PER_MINUTE"}
check(all(template["Parameters"][p]["MinValue"] == 0 and int(template["Parameters"][p]["Default"]) > 0
          and api_variables.get(v) == {"Ref": p} for p, v in quotas.items()),
      "each quota is a parameter with a limit by default (0: none), read by the api function")
check(any(r["Path"] == "/v1/me" and r["Method"] == "GET" for r in routes), "GET /v1/me answers usage against the limits")

print(f"{len(failures)} failed" if failures else "template checks passed")
sys.exit(1 if failures else 0)
