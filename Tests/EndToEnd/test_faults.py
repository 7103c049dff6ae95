"""Faults at a rate: a fifth of the functions' S3 requests fail (503 SlowDown or a reset
connection) while uploads run through the template's state machine. Every upload must end
COMPLETED (faults within the retry budget) or FAILED with its cause and a notification: never stuck
in PROCESSING, never a duplicate output."""
import json, os, subprocess, sys, time

import boto3
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "Tests", "Fixtures")
UPLOADS = [f"uploads/faults/{i:02d}.jpg" for i in range(12)]


@pytest.fixture(scope="module")
def run():
    process = subprocess.Popen([sys.executable, os.path.join(ROOT, "scripts", "local_stack.py"), "--json", "--no-build",
                                "--state-machine", "--fault-rate", "0.2"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=ROOT)
    settings = json.loads(process.stdout.readline())
    kw = dict(endpoint_url=settings["endpoint"], region_name=settings["region"],
              aws_access_key_id=settings["accessKeyId"], aws_secret_access_key=settings["secretAccessKey"])
    s3, dynamodb, sqs = (boto3.client(n, **kw) for n in ("s3", "dynamodb", "sqs"))
    fixtures = ["orientation-1.jpg", "orientation-6.jpg", "orientation-8.jpg", "cmyk.jpg"]
    for index, key in enumerate(UPLOADS):
        s3.upload_file(os.path.join(FIXTURES, fixtures[index % len(fixtures)]), settings["uploads"], key)
    deadline = time.time() + 400
    records = {}
    while time.time() < deadline:
        records = {i["source"]["M"]["key"]["S"]: i for i in dynamodb.scan(TableName=settings["table"])["Items"]}
        if set(UPLOADS) <= set(records) and all(records[k]["status"]["S"] in ("COMPLETED", "FAILED") for k in UPLOADS):
            break
        time.sleep(2)
    notifications = []
    while True:
        messages = sqs.receive_message(QueueUrl=settings["outcomesQueue"], MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
        if not messages:
            break
        notifications += [json.loads(m["Body"]) for m in messages]
        for m in messages:
            sqs.delete_message(QueueUrl=settings["outcomesQueue"], ReceiptHandle=m["ReceiptHandle"])
    derived = [o["Key"] for o in s3.list_objects_v2(Bucket=settings["derived"]).get("Contents", [])]
    yield records, notifications, derived
    process.stdin.close()
    process.wait(timeout=60)


def test_every_upload_ends_completed_or_failed_with_its_cause(run):
    records, notifications, derived = run
    for key in UPLOADS:
        item = records.get(key)
        assert item is not None, f"{key} has no record"
        status = item["status"]["S"]
        assert status in ("COMPLETED", "FAILED"), f"{key} is stuck in {status}"
        if status == "FAILED":
            assert item["detail"]["S"], key
        announced = [n["status"] for n in notifications if n["source"]["key"] == key]
        assert announced == [status], f"{key}: {announced}"


def test_no_duplicate_outputs(run):
    records, _, derived = run
    for key in UPLOADS:
        item = records[key]
        mine = [k for k in derived if f"/{item['imageId']['S']}/" in k]
        if item["status"]["S"] == "COMPLETED":
            assert sorted(mine) == sorted(set(mine)) and len(mine) == 6, key
        else:
            assert mine == [], f"{key} FAILED but left variants published: {mine}"
