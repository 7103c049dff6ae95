"""Adopt on the template's bulk state machine (statemachine/rederive.asl.json, its adopt job): a
Distributed Map over the listing of a prefix of the stack's AdoptBucket, run by
harness/local_map.py, each child batch by moto's interpreter, every function under its template
policy alone. `darkroom adopt` (a client of Step Functions, S3 and DynamoDB like any other) puts a
prefix of good and bad files through the pipeline: each ends with the status an upload of it would
have, as the operator's. A second run adopts nothing again; an archived object fails with its
reason; an S3 Inventory report is read in place of a listing; a bucket the stack may not adopt from
is refused before anything is listed."""
import gzip, io, json, os, subprocess
from urllib.parse import quote_plus

import boto3
import pytest
import requests
from PIL import Image

from localstack import ROOT, local_stack, records


def image(kind, size, colour=(180, 90, 40)):
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, kind)
    return out.getvalue()


GOOD = {"shoot/landscape.jpg": image("JPEG", (96, 64)), "shoot/day 2/Portrait.JPG": image("JPEG", (48, 80), (20, 120, 200)),
        "shoot/sub/logo.png": image("PNG", (40, 40))}
BAD = {"shoot/notes.txt": (b"a shot list, not a photo", "unsupported_format"),
       "shoot/broken.jpg": (image("JPEG", (96, 64))[:180], "corrupt")}


def darkroom_adopt(stack, source, *options, by_stack=None):
    binary = os.path.join(subprocess.check_output(["swift", "build", "--show-bin-path"], cwd=ROOT, text=True).strip(), "darkroom")
    env = dict(os.environ, AWS_ACCESS_KEY_ID=stack["accessKeyId"], AWS_SECRET_ACCESS_KEY=stack["secretAccessKey"],
               AWS_REGION=stack["region"], AWS_ENDPOINT_URL=stack["endpoint"], DARKROOM_TABLE=stack["table"],
               DARKROOM_DERIVED_BUCKET=stack["derived"], DARKROOM_ARCHIVE_BUCKET=stack["archive"], DARKROOM_TOPIC_ARN=stack["topicArn"],
               DARKROOM_REDERIVE_STATE_MACHINE_ARN=stack["rederive_state_machine"])
    if by_stack:
        # The state machine as the CLI finds it in AWS: the stack's output, read from CloudFormation.
        del env["DARKROOM_REDERIVE_STATE_MACHINE_ARN"]
        env["DARKROOM_STACK_NAME"] = by_stack
    done = subprocess.run([binary, "adopt", source, "--json", "--poll", "0.5", "--wait", "300", *options], env=env,
                          capture_output=True, text=True, timeout=900)
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    return done.returncode, lines, done.stderr


def adopted_records(stack):
    return {key: item for key, item in records(stack).items() if key.startswith("uploads/adopted/")}


def versions(stack):
    listed = stack["s3"].list_object_versions(Bucket=stack["uploads"], Prefix="uploads/adopted/")
    return len(listed.get("Versions", [])), len(listed.get("DeleteMarkers", []))


@pytest.fixture(scope="module")
def stack():
    with local_stack("--least-privilege", "--moderation", "off", "--param", "RederiveBatchSize=2") as stack:
        bucket = stack["adopt_bucket"]
        for key, body in GOOD.items():
            stack["s3"].put_object(Bucket=bucket, Key=key, Body=body)
        for key, (body, _) in BAD.items():
            stack["s3"].put_object(Bucket=bucket, Key=key, Body=body)
        # A console's "folder", and a photo beside the prefix, which is not adopted.
        stack["s3"].put_object(Bucket=bucket, Key="shoot/empty/", Body=b"")
        stack["s3"].put_object(Bucket=bucket, Key="elsewhere/other.jpg", Body=image("JPEG", (30, 30)))
        yield stack


@pytest.fixture(scope="module")
def first(stack):
    return darkroom_adopt(stack, f"s3://{stack['adopt_bucket']}/shoot/")


def test_each_file_of_the_prefix_ends_with_the_status_an_upload_of_it_would_have(stack, first):
    code, lines, stderr = first
    assert code == 0, stderr[-2000:]
    report = lines[-1]
    assert report["event"] == "report" and report["status"] == "SUCCEEDED"
    outcomes = {o["key"]: o for o in report["report"]["outcomes"]}
    assert set(outcomes) == set(GOOD) | set(BAD) | {"shoot/empty/"}
    assert outcomes["shoot/empty/"]["outcome"] == "skipped" and "imageId" not in outcomes["shoot/empty/"]
    for key in GOOD:
        assert outcomes[key]["outcome"] == "adopted" and outcomes[key]["status"] == "COMPLETED", outcomes[key]
    for key, (_, reason) in BAD.items():
        assert outcomes[key]["outcome"] == "adopted" and outcomes[key]["status"] == "REJECTED", outcomes[key]
        assert outcomes[key]["reason"] == reason
    # Progress came as JSON lines while it ran, and the wait for the pipeline after it.
    assert any(line["event"] == "progress" and line["total"] == len(outcomes) for line in lines)
    assert any(line["event"] == "waiting" for line in lines)

    # The records are the pipeline's own, one per file, each the operator's; the good ones' variants
    # are in the derived bucket, the bad ones' originals set aside in quarantine.
    adopted = adopted_records(stack)
    assert len(adopted) == len(GOOD) + len(BAD)
    by_id = {item["imageId"]["S"]: item for item in adopted.values()}
    for key, outcome in outcomes.items():
        if "imageId" not in outcome:
            continue
        item = by_id[outcome["imageId"]]
        assert item["status"]["S"] == outcome["status"]
        assert item["ownerStatus"]["S"] == f"operator|{outcome['status']}"
        if outcome["status"] == "COMPLETED":
            job = json.loads(item["job"]["S"])
            assert job["variants"]
            for variant in job["variants"]:
                stack["s3"].head_object(Bucket=stack["derived"], Key=variant["key"])
    assert not any("elsewhere" in item["source"]["M"]["key"]["S"] for item in adopted.values())
    # The source is read, never changed.
    for key, body in GOOD.items():
        assert stack["s3"].get_object(Bucket=stack["adopt_bucket"], Key=key)["Body"].read() == body


def test_a_second_run_adopts_nothing_again(stack, first):
    before, made = adopted_records(stack), versions(stack)
    # This run finds the state machine as the stack's output (a stack in moto with that output).
    template = {"Resources": {"Marker": {"Type": "AWS::SQS::Queue"}},
                "Outputs": {"RederiveStateMachineArn": {"Value": stack["rederive_state_machine"]}}}
    boto3.client("cloudformation", endpoint_url=stack["endpoint"], region_name=stack["region"], aws_access_key_id=stack["accessKeyId"],
                 aws_secret_access_key=stack["secretAccessKey"]).create_stack(StackName="darkroom-local", TemplateBody=json.dumps(template))
    code, lines, stderr = darkroom_adopt(stack, f"s3://{stack['adopt_bucket']}/shoot/", by_stack="darkroom-local")
    assert code == 0, stderr[-2000:]
    outcomes = {o["key"]: o for o in lines[-1]["report"]["outcomes"]}
    assert {o["outcome"] for o in outcomes.values()} == {"skipped"}
    firsts = {o["key"]: o.get("imageId") for o in first[1][-1]["report"]["outcomes"]}
    assert {key: o.get("imageId") for key, o in outcomes.items()} == firsts
    # No second copy (a second version would be a second image), no second record.
    assert versions(stack) == made
    assert set(adopted_records(stack)) == set(before)


def test_a_dry_run_counts_and_prices_and_changes_nothing(stack, first):
    bucket = stack["adopt_bucket"]
    stack["s3"].put_object(Bucket=bucket, Key="shoot/new.jpg", Body=image("JPEG", (50, 40), (1, 2, 3)))
    stack["s3"].put_object(Bucket=bucket, Key="shoot/frozen.jpg", Body=image("JPEG", (50, 40)), StorageClass="DEEP_ARCHIVE")
    table_before, made = stack["dynamodb"].scan(TableName=stack["table"])["Count"], versions(stack)
    code, lines, stderr = darkroom_adopt(stack, f"s3://{bucket}/shoot/", "--dry-run")
    assert code == 0, stderr[-2000:]
    plan = lines[-1]
    # The five files adopted by the first run, the folder's marker, the new photo, the archived one.
    assert (plan["event"], plan["adopt"], plan["adoptedBefore"], plan["skip"], plan["fail"]) == ("plan", 1, len(GOOD) + len(BAD), 1, 1), plan
    assert 0 < plan["dollars"] < 0.001 and any("pipeline" in line for line in plan["lines"])
    assert stack["dynamodb"].scan(TableName=stack["table"])["Count"] == table_before and versions(stack) == made
    for key in ("shoot/new.jpg", "shoot/frozen.jpg"):
        stack["s3"].delete_object(Bucket=bucket, Key=key)


def test_an_archived_object_fails_with_its_reason_and_nothing_is_made_of_it(stack, first):
    bucket = stack["adopt_bucket"]
    stack["s3"].put_object(Bucket=bucket, Key="cold/frozen.jpg", Body=image("JPEG", (64, 64)), StorageClass="GLACIER")
    stack["s3"].put_object(Bucket=bucket, Key="cold/warm.jpg", Body=image("JPEG", (64, 48)))
    before = len(adopted_records(stack))
    code, lines, _ = darkroom_adopt(stack, f"s3://{bucket}/cold/", "--tolerated-failure-percent", "60", "--batch-size", "1")
    assert code == 1
    report = lines[-1]
    assert report["status"] == "SUCCEEDED"
    outcomes = {o["key"]: o for o in report["report"]["outcomes"]}
    assert outcomes["cold/frozen.jpg"]["outcome"] == "failed" and "GLACIER" in outcomes["cold/frozen.jpg"]["why"]
    assert outcomes["cold/warm.jpg"]["status"] == "COMPLETED"
    assert len(adopted_records(stack)) == before + 1


def copy_key_hash(bucket, key, etag):
    """The hash an object is adopted under (Adoption.sourceHash): its bucket, key and ETag."""
    import hashlib
    return hashlib.sha256(f"{bucket}\n{key}\n{etag}".encode()).hexdigest()[:32]


def test_a_fault_on_one_object_fails_it_alone_and_the_next_run_adopts_it(stack, first):
    bucket = stack["adopt_bucket"]
    for key, colour in (("flaky/a.jpg", (9, 9, 200)), ("flaky/b.jpg", (200, 9, 9))):
        stack["s3"].put_object(Bucket=bucket, Key=key, Body=image("JPEG", (40, 30), colour))
    etag = stack["s3"].head_object(Bucket=bucket, Key="flaky/a.jpg")["ETag"].strip('"')
    hashed = copy_key_hash(bucket, "flaky/a.jpg", etag)
    # Every S3 request of the settle function naming a's copy fails (503): its step's retries are
    # spent, the state machine's Catch reports it, and the other object goes on.
    rules = f"{stack['proxies']['settle']}/__rules"
    requests.post(rules, json={hashed: -1}, timeout=10).raise_for_status()
    try:
        code, lines, _ = darkroom_adopt(stack, f"s3://{bucket}/flaky/", "--batch-size", "1", "--tolerated-failure-percent", "60")
    finally:
        requests.post(rules, json={}, timeout=10).raise_for_status()
    assert code == 1
    outcomes = {o["key"]: o for o in lines[-1]["report"]["outcomes"]}
    assert outcomes["flaky/a.jpg"]["outcome"] == "failed" and outcomes["flaky/a.jpg"]["error"] == "Darkroom.Transient", outcomes
    assert outcomes["flaky/b.jpg"]["status"] == "COMPLETED"
    assert not any(hashed in key for key in adopted_records(stack))
    # Its claim was given back: the next run adopts it at once, and b is adopted before.
    code, lines, stderr = darkroom_adopt(stack, f"s3://{bucket}/flaky/")
    assert code == 0, stderr[-2000:]
    outcomes = {o["key"]: o for o in lines[-1]["report"]["outcomes"]}
    assert outcomes["flaky/a.jpg"]["outcome"] == "adopted" and outcomes["flaky/a.jpg"]["status"] == "COMPLETED"
    assert outcomes["flaky/b.jpg"]["outcome"] == "skipped"


def test_a_bucket_other_than_the_stacks_adopt_bucket_is_refused_before_it_is_listed(stack):
    code, lines, _ = darkroom_adopt(stack, f"s3://{stack['archive']}/runs/")
    assert code == 1
    report = lines[-1]
    assert report["status"] == "FAILED" and report["error"] == "Darkroom.Configuration"
    assert "adopts from bucket" in report["cause"] and report["report"]["outcomes"] == []


def test_an_inventory_report_is_read_in_place_of_a_listing(stack, first):
    bucket = stack["adopt_bucket"]
    photos = {"inv/one photo.jpg": image("JPEG", (72, 48), (10, 200, 90)), "inv/two+three.png": image("PNG", (30, 50))}
    rows = []
    for key, body in photos.items():
        stack["s3"].put_object(Bucket=bucket, Key=key, Body=body)
        etag = stack["s3"].head_object(Bucket=bucket, Key=key)["ETag"].strip('"')
        rows.append([bucket, quote_plus(key, safe="/"), "false", "true", "false", str(len(body)), etag, "STANDARD"])
    # A delete marker, and an object outside the prefix: neither is adopted.
    rows.append([bucket, "inv/gone.jpg", "true", "true", "true", "", "", ""])
    rows.append([bucket, "elsewhere/other.jpg", "false", "true", "false", "900", "e", "STANDARD"])
    folder = f"inventory/{bucket}/all/2026-12-01T01-00Z"
    data = "\n".join(",".join(f'"{v}"' for v in row) for row in rows) + "\n"
    stack["s3"].put_object(Bucket=bucket, Key=f"{folder}/data/part-0.csv.gz", Body=gzip.compress(data.encode()))
    manifest = {"sourceBucket": bucket, "destinationBucket": f"arn:aws:s3:::{bucket}", "version": "2016-11-30", "fileFormat": "CSV",
                "fileSchema": "Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size, ETag, StorageClass",
                "files": [{"key": f"{folder}/data/part-0.csv.gz", "size": len(data), "MD5checksum": "-"}]}
    stack["s3"].put_object(Bucket=bucket, Key=f"{folder}/manifest.json", Body=json.dumps(manifest).encode())

    code, lines, stderr = darkroom_adopt(stack, f"s3://{bucket}/inv/", "--inventory", f"s3://{bucket}/{folder}/manifest.json")
    assert code == 0, stderr[-2000:]
    outcomes = {o["key"]: o for o in lines[-1]["report"]["outcomes"]}
    assert set(outcomes) == set(photos) | {"inv/gone.jpg", "elsewhere/other.jpg"}
    for key in photos:
        assert outcomes[key]["outcome"] == "adopted" and outcomes[key]["status"] == "COMPLETED", outcomes[key]
    assert outcomes["inv/gone.jpg"]["outcome"] == "skipped" and "delete marker" in outcomes["inv/gone.jpg"]["why"]
    assert outcomes["elsewhere/other.jpg"]["outcome"] == "skipped" and "outside inv/" in outcomes["elsewhere/other.jpg"]["why"]
    # The report is read from the adopt bucket only: one elsewhere is refused.
    code, lines, _ = darkroom_adopt(stack, f"s3://{bucket}/inv/", "--inventory", f"s3://{stack['archive']}/{folder}/manifest.json")
    assert code == 1 and lines[-1]["status"] == "FAILED" and "inventory" in lines[-1]["cause"]


def test_a_stack_that_is_not_there_is_named_in_the_error(stack):
    code, lines, stderr = darkroom_adopt(stack, f"s3://{stack['adopt_bucket']}/shoot/", by_stack="no-such-stack")
    assert code == 1 and lines == [] and "no-such-stack" in stderr, stderr
