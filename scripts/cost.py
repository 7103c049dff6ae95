#!/usr/bin/env python3
"""Cost per million images on Lambda, from measurement: stage durations from a `darkroom process`
run's records, and the S3, DynamoDB and SNS requests (and DynamoDB capacity units) the functions
made for one COMPLETED image in the local stack (scripts/count-requests).

  scripts/cost.py [JOBS_FOLDER] [REQUESTS_JSON] [RENDITIONS_JSON]
      (default out/.darkroom/jobs, build/requests.json and bench/results/renditions.json)

With the render durations bench/renditions.py measured, it also prices the render path per million
renders and weighs each stored variant (a PUT and a year of storage) against rendering it on a
cache miss.

Durations are each stage's median over the COMPLETED records there; memory sizes are the
template's defaults. Prices: AWS's public list prices for us-east-1 (2026), written below.
"""
import glob, json, os, re, statistics, sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "harness"))
import template_facts  # noqa: E402

def template_memory():
    """Each stage function's memory in template.yaml: its own MemorySize, or the default of the
    parameter it names."""
    text = open(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "template.yaml")).read()
    memory = {}
    for stage in template_facts.stages():
        logical = stage.capitalize()
        size = re.search(rf"\n  {logical}Function:\n(?:    .*\n|\s*\n)*?      MemorySize: (.+)", text).group(1)
        if size.startswith("!Ref"):
            size = re.search(rf"\n  {size.split()[1]}:\n(?:    .*\n)*?    Default: (\d+)", text).group(1)
        memory[stage] = int(size)
    return memory


MEMORY_MB = template_memory()
PRICE_GB_SECOND = {"arm64": 0.0000133334, "x86_64": 0.0000166667}   # Lambda duration
PRICE_LAMBDA_REQUEST = 0.20 / 1e6
PRICE_SFN_EXPRESS_REQUEST = 1.00 / 1e6
PRICE_SFN_EXPRESS_GB_SECOND = 0.00001667                           # billed in 64 MB steps
PRICE_S3_PUT = 0.005 / 1000                                        # PUT, COPY, POST, LIST
PRICE_S3_PUT_INTO = {"STANDARD": PRICE_S3_PUT, "INTELLIGENT_TIERING": PRICE_S3_PUT,  # a write that names its class
                     "STANDARD_IA": 0.01 / 1000, "GLACIER_IR": 0.02 / 1000}
PRICE_S3_GET = 0.0004 / 1000                                       # GET, HEAD
S3_PUT_CLASS = {"PutObject", "CopyObject", "ListObjects", "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload"}
S3_GET_CLASS = {"GetObject", "HeadObject"}                         # DELETE is free
PRICE_DYNAMODB_WRITE = 0.625 / 1e6                                 # on-demand write request unit
PRICE_DYNAMODB_READ = 0.125 / 1e6                                  # on-demand read request unit
PRICE_SNS_PUBLISH = 0.50 / 1e6
PRICE_REKOGNITION_IMAGE = 0.001                                    # per image per API, first 1M
PRICE_S3_STORAGE_GB_MONTH = 0.023                                  # STANDARD, first 50 TB
PRICE_CLOUDFRONT_REQUEST = 0.0100 / 10000                          # HTTPS, North America and Europe
PRICE_CLOUDFRONT_FUNCTION = 0.10 / 1e6                             # the Accept normaliser, every request
RENDER_MEMORY_MB = int(re.search(r"\n  RenderMemory:\n(?:    .*\n)*?    Default: (\d+)",
                                 open(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "template.yaml")).read()).group(1))


# The case priced: a COMPLETED photo with the template's Moderation off (then the state machine
# invokes no moderate function), as scripts/count-requests measures it.
CASE = "COMPLETED, moderation off"


def storage_class(name):
    """The storage class a counted S3 write names ("archive/s3/CopyObject (GLACIER_IR)"), or None."""
    label = name.split(" (")[1].rstrip(")") if " (" in name else None
    return label if label in PRICE_S3_PUT_INTO else None


def request_costs(path, case=CASE):
    """(S3, DynamoDB, SNS) dollars per image from scripts/count-requests' counts of one case, and
    what of the S3 dollars is writes into a storage class dearer than STANDARD."""
    measured = json.load(open(path))[case]
    s3 = dynamo = sns = surcharge = 0.0
    for name, count in measured["requests"].items():
        service, operation = name.split("/")[1], name.split("/")[2].split(" ")[0]
        if service == "s3" and (into := storage_class(name)):
            s3 += count * PRICE_S3_PUT_INTO[into]
            surcharge += count * (PRICE_S3_PUT_INTO[into] - PRICE_S3_PUT)
        elif service == "s3":
            s3 += count * (PRICE_S3_PUT if operation in S3_PUT_CLASS else PRICE_S3_GET if operation in S3_GET_CLASS else 0)
        elif service == "sns" and operation == "Publish":
            sns += count * PRICE_SNS_PUBLISH
    for name, units in measured["units"].items():
        operation = name.split("/")[2].split(" ")[0]
        dynamo += units * (PRICE_DYNAMODB_READ if operation in ("GetItem", "Query", "BatchGetItem") else PRICE_DYNAMODB_WRITE)
    return s3, dynamo, sns, surcharge


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else "out/.darkroom/jobs"
    requests = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "build", "requests.json")
    if not os.path.exists(requests):
        sys.exit(f"no request counts at {requests}: run scripts/count-requests first")
    durations = {stage: [] for stage in MEMORY_MB}
    for path in glob.glob(os.path.join(folder, "*.json")):
        record = json.load(open(path))
        if record.get("status") != "COMPLETED":
            continue
        for stage, timing in record.get("stages", {}).items():
            if stage in durations and timing.get("durationMs") is not None:
                durations[stage].append(timing["durationMs"])
    if not durations["resize"]:
        sys.exit(f"no COMPLETED records with timings in {folder}")
    median = {stage: statistics.median(values) if values else 0 for stage, values in durations.items()}
    workflow_seconds = (median["validate"] + median["metadata"] + max(median["resize"], median["thumbnail"]) + median["archive"]) / 1000
    s3, dynamo, sns, surcharge = request_costs(requests)
    sfn = PRICE_SFN_EXPRESS_REQUEST + workflow_seconds * (64 / 1024) * PRICE_SFN_EXPRESS_GB_SECOND
    print(f"measured over {len(durations['resize'])} images (median ms): " +
          ", ".join(f"{stage} {median[stage]:.0f}" for stage in MEMORY_MB))
    print()
    print("| per million images | arm64 | x86_64 |")
    print("|---|---|---|")
    rows = {}
    for arch, price in PRICE_GB_SECOND.items():
        # Moderation off: the moderate function is not invoked.
        invoked = [s for s in MEMORY_MB if s != "moderate"]
        lambda_cost = sum(median[s] / 1000 * MEMORY_MB[s] / 1024 * price for s in invoked) + len(invoked) * PRICE_LAMBDA_REQUEST
        rows[arch] = {"Lambda (duration + requests)": lambda_cost * 1e6, "Step Functions Express": sfn * 1e6,
                      "S3 requests": s3 * 1e6, "DynamoDB writes and reads": dynamo * 1e6, "SNS": sns * 1e6}
    for item in rows["arm64"]:
        print(f"| {item} | ${rows['arm64'][item]:,.2f} | ${rows['x86_64'][item]:,.2f} |")
    print(f"| **total, moderation off** | **${sum(rows['arm64'].values()):,.2f}** | **${sum(rows['x86_64'].values()):,.2f}** |")
    # The archive copy into its storage class costs more per request than into STANDARD and pays
    # that back in storage (deploying.md): the total as it would be with ArchiveStorageClass=STANDARD.
    if surcharge:
        print(f"| total with ArchiveStorageClass=STANDARD | ${sum(rows['arm64'].values()) - surcharge * 1e6:,.2f} | "
              f"${sum(rows['x86_64'].values()) - surcharge * 1e6:,.2f} |")
    rekognition = 2 * PRICE_REKOGNITION_IMAGE * 1e6
    print(f"| Rekognition (moderation + faces), if on | ${rekognition:,.0f} | ${rekognition:,.0f} |")
    renditions = sys.argv[3] if len(sys.argv) > 3 else os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                                                    "bench", "results", "renditions.json")
    if os.path.exists(renditions):
        render_costs(json.load(open(renditions)), folder)


def render_miss(ms, arch):
    """Dollars of one render on a cache miss, delivery aside: the function's duration and request,
    the record's eventually consistent GetItem (half a read unit), the source's GET."""
    return ms / 1000 * RENDER_MEMORY_MB / 1024 * PRICE_GB_SECOND[arch] + PRICE_LAMBDA_REQUEST + 0.5 * PRICE_DYNAMODB_READ + PRICE_S3_GET


def render_costs(measured, folder):
    """The render path per million renders, and each stored variant weighed against rendering it."""
    print()
    print(f"render function at {RENDER_MEMORY_MB} MB; measured (median ms): from a stored variant "
          f"{measured['render_ms_from_variant']:.1f}, from the original {measured['render_ms_from_original']:.1f}")
    print()
    print("| per million renders (cache misses) | arm64 | x86_64 |")
    print("|---|---|---|")
    edge = PRICE_CLOUDFRONT_REQUEST + PRICE_CLOUDFRONT_FUNCTION
    for label, ms in [("from the stored variant", measured["render_ms_from_variant"]), ("from the original", measured["render_ms_from_original"])]:
        print(f"| {label}, delivery aside | ${render_miss(ms, 'arm64') * 1e6:,.2f} | ${render_miss(ms, 'x86_64') * 1e6:,.2f} |")
    print(f"| CloudFront request + function, every request (hit or miss) | ${edge * 1e6:,.2f} | ${edge * 1e6:,.2f} |")
    sizes = {}
    for path in glob.glob(os.path.join(folder, "*.json")):
        record = json.load(open(path))
        for variant in (record.get("job") or {}).get("variants", []):
            sizes.setdefault(f"{variant['name']} ({variant['format']})", []).append(variant["bytes"])
    if not sizes:
        return
    print()
    print("| stored variant, per million images | bytes (median) | PUT | a year of storage | stored, first year | "
          "one render on a miss (arm64) | misses a year to break even |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    miss = render_miss(measured["render_ms_from_variant"], "arm64")
    for name, values in sorted(sizes.items()):
        size = statistics.median(values)
        storage = size / 1e9 * PRICE_S3_STORAGE_GB_MONTH * 12
        stored = PRICE_S3_PUT + storage
        print(f"| {name} | {size:,.0f} | ${PRICE_S3_PUT * 1e6:,.2f} | ${storage * 1e6:,.2f} | ${stored * 1e6:,.2f} | "
              f"${miss * 1e6:,.2f} | {stored / miss:,.1f} |")


if __name__ == "__main__":
    main()
