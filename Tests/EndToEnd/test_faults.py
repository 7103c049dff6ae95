"""Faults at a rate: a fifth of the functions' AWS requests (S3, DynamoDB, SNS) meet a fault (503
SlowDown or ServiceUnavailable, 500, throttling, a reset connection, a stall, a response lost after
the request was applied) while uploads run through the template's state machine. The executions
end; then the reconciler runs (as its schedule would, itself under the faults) for anything whose
execution died with it. Every upload must end COMPLETED or FAILED with its cause and a notification:
never stuck in PROCESSING, never a duplicate output, never two different outcomes announced."""
import json, os, time, urllib.request

import pytest

from localstack import FIXTURES, FINAL, local_stack, notifications, objects, records, wait_until_final
UPLOADS = [f"uploads/faults/{i:02d}.jpg" for i in range(12)]


def reconcile_until_settled(stack, attempts=6):
    """Reconciler passes (retried when a pass itself meets a fault) until every upload is final."""
    passes = []
    for _ in range(attempts):
        found = records(stack)
        if all(key in found and found[key]["status"]["S"] in FINAL for key in UPLOADS):
            break
        answer = stack["lambda"].invoke(FunctionName="reconcile", Payload=json.dumps({"stuckAfterSeconds": 1}).encode())
        payload = json.loads(answer["Payload"].read())
        passes.append(payload if "FunctionError" not in answer else {"error": payload.get("errorType")})
        wait_until_final(stack, UPLOADS, timeout=120)
    return passes


@pytest.fixture(scope="module")
def run():
    with local_stack("--fault-rate", "0.2") as stack:
        fixtures = ["orientation-1.jpg", "orientation-6.jpg", "orientation-8.jpg", "cmyk.jpg"]
        for index, key in enumerate(UPLOADS):
            stack["s3"].upload_file(os.path.join(FIXTURES, fixtures[index % len(fixtures)]), stack["uploads"], key)
        wait_until_final(stack, UPLOADS, timeout=400)
        settled_by_executions = {k for k, v in records(stack).items() if v["status"]["S"] in FINAL}
        time.sleep(1.5)
        passes = reconcile_until_settled(stack)
        injected = json.loads(urllib.request.urlopen(stack["faults"]).read())
        statuses = [records(stack).get(key, {}).get("status", {}).get("S") for key in UPLOADS]
        print(f"faults injected: {injected}; reconciler passes: {passes}; "
              f"final before the reconciler: {len(settled_by_executions & set(UPLOADS))}/{len(UPLOADS)}; "
              f"outcomes: {dict((s, statuses.count(s)) for s in set(statuses))}")
        yield records(stack), notifications(stack), list(objects(stack, stack["derived"], "")), injected


def test_faults_of_every_kind_reached_every_service(run):
    injected = run[3]
    services = {name.split("/")[0] for name in injected}
    kinds = {name.split("/")[1] for name in injected}
    assert {"s3", "dynamodb", "sns"} <= services, injected
    assert {"slowdown", "internal", "throttle", "reset", "stall", "lost-response"} <= kinds, injected


def test_every_upload_ends_completed_or_failed_with_its_cause(run):
    records, notifications, _, _ = run
    for key in UPLOADS:
        item = records.get(key)
        assert item is not None, f"{key} has no record"
        status = item["status"]["S"]
        assert status in ("COMPLETED", "FAILED"), f"{key} is stuck in {status}"
        if status == "FAILED":
            assert item["detail"]["S"], key
        # SNS delivers at least once; a publish whose answer was lost may be sent again, but never
        # with another outcome.
        announced = {n["status"] for n in notifications if n["source"]["key"] == key}
        assert announced == {status}, f"{key}: {announced}"


def test_no_duplicate_outputs(run):
    records, _, derived, _ = run
    for key in UPLOADS:
        item = records[key]
        mine = [k for k in derived if f"/{item['imageId']['S']}/" in k]
        if item["status"]["S"] == "COMPLETED":
            assert sorted(mine) == sorted(set(mine)) and len(mine) == 6, key
        else:
            assert mine == [], f"{key} FAILED but left variants published: {mine}"
