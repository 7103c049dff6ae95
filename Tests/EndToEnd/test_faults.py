"""Faults at a rate: a fifth of the functions' S3 requests fail (503 SlowDown or a reset
connection) while uploads run through the template's state machine. Every upload must end
COMPLETED (faults within the retry budget) or FAILED with its cause and a notification: never stuck
in PROCESSING, never a duplicate output."""
import os

import pytest

from localstack import FIXTURES, local_stack, notifications, objects, wait_until_final
UPLOADS = [f"uploads/faults/{i:02d}.jpg" for i in range(12)]


@pytest.fixture(scope="module")
def run():
    with local_stack("--state-machine", "--fault-rate", "0.2") as stack:
        fixtures = ["orientation-1.jpg", "orientation-6.jpg", "orientation-8.jpg", "cmyk.jpg"]
        for index, key in enumerate(UPLOADS):
            stack["s3"].upload_file(os.path.join(FIXTURES, fixtures[index % len(fixtures)]), stack["uploads"], key)
        found = wait_until_final(stack, UPLOADS, timeout=400)
        yield found, notifications(stack), list(objects(stack, stack["derived"], ""))


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
