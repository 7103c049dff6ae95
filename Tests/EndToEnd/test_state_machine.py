"""The template's own state machine (statemachine/pipeline.asl.json) run by moto's Amazon States
Language interpreter, its Lambda tasks sent to the real executables through the local Invoke API,
fed the EventBridge event an upload produces. Faults are injected by a proxy in front of S3 for keys
under flaky-once/ (three failures: one function attempt) and always-fail/ (every request)."""
import json, os, time, urllib.request

import pytest

from localstack import FIXTURES, local_stack, notifications, records


@pytest.fixture(scope="module")
def stack():
    with local_stack() as stack:
        uploads = [("orientation-1.jpg", "uploads/good/photo.jpg"), ("document.pdf", "uploads/bad/document.pdf"),
                   ("orientation-3.jpg", "uploads/flaky-once/photo.jpg"), ("orientation-8.jpg", "uploads/always-fail/photo.jpg"),
                   ("orientation-2.jpg", "uploads/unsafe/photo.jpg")]
        for fixture, key in uploads:
            stack["s3"].upload_file(os.path.join(FIXTURES, fixture), stack["uploads"], key)
        stack["executions"] = wait_for_executions(stack, {key for _, key in uploads})
        yield stack


def wait_for_executions(stack, keys, timeout=120):
    """The finished execution of each upload, by key."""
    sfn = stack["stepfunctions"]
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = {}
        for summary in sfn.list_executions(stateMachineArn=stack["stateMachineArn"])["executions"]:
            described = sfn.describe_execution(executionArn=summary["executionArn"])
            key = json.loads(described["input"])["detail"]["object"]["key"]
            if described["status"] != "RUNNING":
                found[key] = described
        if keys <= set(found):
            return found
        time.sleep(1)
    raise AssertionError(f"executions did not finish; see {stack['log']}")


def history(stack, execution):
    """The events of an execution."""
    return stack["stepfunctions"].get_execution_history(executionArn=execution["executionArn"], maxResults=1000)["events"]


def test_a_good_photo_ends_completed_with_variants_and_archive(stack):
    execution = stack["executions"]["uploads/good/photo.jpg"]
    assert execution["status"] == "SUCCEEDED"
    item = records(stack)["uploads/good/photo.jpg"]
    assert item["status"]["S"] == "COMPLETED"
    image_id = item["imageId"]["S"]
    derived = stack["s3"].list_objects_v2(Bucket=stack["derived"], Prefix=f"derived/{image_id}/").get("Contents", [])
    assert len(derived) == 6
    archived = [o["Key"] for o in stack["s3"].list_objects_v2(Bucket=stack["archive"], Prefix="archive/").get("Contents", []) if image_id in o["Key"]]
    assert [k for k in archived if k.endswith("/original.jpg")] == archived and len(archived) == 1
    output = json.loads(execution["output"])
    assert output["imageId"] == image_id and len(output["variants"]) == 6


def test_a_bad_file_ends_rejected_without_retries(stack):
    execution = stack["executions"]["uploads/bad/document.pdf"]
    assert execution["status"] == "SUCCEEDED"  # a bad upload is not a pipeline failure
    item = records(stack)["uploads/bad/document.pdf"]
    assert item["status"]["S"] == "REJECTED" and item["reason"]["S"] == "unsupported_format"
    events = history(stack, execution)
    failures = [e for e in events if e["type"] == "TaskFailed"]
    assert len(failures) == 1 and failures[0]["taskFailedEventDetails"]["error"] == "Darkroom.Rejected"
    assert not [e for e in events if e["type"] == "TaskStateEntered" and e["stateEnteredEventDetails"]["name"] == "Metadata"]
    exited = [e["stateExitedEventDetails"]["name"] for e in events if e["type"] == "SucceedStateExited"]
    assert exited == ["Rejected"]


def test_a_transient_fault_is_retried_and_the_image_completes(stack):
    execution = stack["executions"]["uploads/flaky-once/photo.jpg"]
    assert execution["status"] == "SUCCEEDED"
    assert records(stack)["uploads/flaky-once/photo.jpg"]["status"]["S"] == "COMPLETED"
    events = history(stack, execution)
    failures = [e["taskFailedEventDetails"]["error"] for e in events if e["type"] == "TaskFailed"]
    assert failures == ["Darkroom.Transient"], failures


def test_a_fault_that_outlives_the_retries_ends_failed_with_its_cause_and_a_notification(stack):
    execution = stack["executions"]["uploads/always-fail/photo.jpg"]
    assert execution["status"] == "FAILED" and execution["error"] == "Darkroom.Failed"
    item = records(stack)["uploads/always-fail/photo.jpg"]
    assert item["status"]["S"] == "FAILED"
    assert item["cause"]["S"] == "Darkroom.Transient" and "503" in item["detail"]["S"]
    assert_nothing_internal(stack, item)
    events = history(stack, execution)
    failures = [e["taskFailedEventDetails"]["error"] for e in events if e["type"] == "TaskFailed"]
    assert failures == ["Darkroom.Transient"] * 4, failures  # the first attempt and three retries
    published = [n for n in notifications(stack) if n["source"]["key"] == "uploads/always-fail/photo.jpg"]
    assert [(n["status"], n["cause"], n.get("reason")) for n in published] == [("FAILED", "Darkroom.Transient", None)]
    derived = stack["s3"].list_objects_v2(Bucket=stack["derived"], Prefix=f"derived/{item['imageId']['S']}/").get("Contents", [])
    assert derived == [], "a FAILED image left variants published"


def assert_nothing_internal(stack, item):
    """A FAILED record's detail names no ARN, account, bucket, table or request id; its reference
    is what the function logged the raw error under."""
    detail = item["detail"]["S"]
    for internal in ("arn:", stack["uploads"], stack["derived"], stack["archive"], stack["table"], "RequestId: 0", "123456789012"):
        assert internal not in detail, (internal, detail)
    reference = item["reference"]["S"]
    logged = [json.loads(line) for line in open(stack["log"], errors="replace") if '"stage failure"' in line and reference in line]
    assert logged and logged[0]["imageId"] == item["imageId"]["S"] and logged[0]["error"], reference


def set_faults(stack, function, rules):
    """Replaces the own rules of `function`'s proxy: {"": -1} fails every AWS request it makes."""
    request = urllib.request.Request(f"{stack['proxies'][function]}/__rules", data=json.dumps(rules).encode(), method="POST")
    urllib.request.urlopen(request, timeout=10).read()


@pytest.mark.parametrize("stage", ["validate", "metadata", "resize", "thumbnail", "moderate", "archive"])
def test_a_persistent_fault_in_any_stage_ends_failed_with_its_cause_and_one_notification(stack, stage):
    """Every AWS request of one stage function fails, for good: whichever stage it is (the first, a
    branch of the Parallel state, the last), the catch path records FAILED with the cause, exactly
    one notification goes out, and no variant stays published."""
    key = f"uploads/fault-in-{stage}/photo.jpg"
    set_faults(stack, stage, {"": -1})
    try:
        stack["s3"].upload_file(os.path.join(FIXTURES, "orientation-1.jpg"), stack["uploads"], key)
        execution = wait_for_executions(stack, {key})[key]
    finally:
        set_faults(stack, stage, {})
    assert execution["status"] == "FAILED" and execution["error"] == "Darkroom.Failed", execution
    item = records(stack)[key]
    assert item["status"]["S"] == "FAILED", item
    assert item["cause"]["S"] == "Darkroom.Transient" and "503" in item["detail"]["S"], item
    assert_nothing_internal(stack, item)
    entered = [e["stateEnteredEventDetails"]["name"] for e in history(stack, execution) if e["type"].endswith("StateEntered")]
    assert "RecordFailure" in entered and entered[-1] == "Failed", entered
    stage_state = stage.capitalize()
    assert stage_state in entered and (stage == "archive" or "Archive" not in entered), entered
    published = [n for n in notifications(stack) if n["source"]["key"] == key]
    assert [n["status"] for n in published] == ["FAILED"], published
    derived = stack["s3"].list_objects_v2(Bucket=stack["derived"], Prefix=f"derived/{item['imageId']['S']}/").get("Contents", [])
    assert derived == [], f"a FAILED image left variants published: {[o['Key'] for o in derived]}"


def versions(stack, key):
    """Every version (and delete marker) the uploads bucket keeps of `key`."""
    listed = stack["s3"].list_object_versions(Bucket=stack["uploads"], Prefix=key)
    return [v for v in listed.get("Versions", []) + listed.get("DeleteMarkers", []) if v["Key"] == key]


def test_a_flagged_image_never_gets_a_variant_and_its_original_is_set_aside(stack):
    """Moderation runs beside metadata, before any variant is made: a flagged image goes straight
    to archive, which quarantines it. No variant is ever written, so none is ever public; the
    original leaves uploads/ (every version of it) for quarantine/."""
    key = "uploads/unsafe/photo.jpg"
    execution = stack["executions"][key]
    assert execution["status"] == "SUCCEEDED"
    item = records(stack)[key]
    assert item["status"]["S"] == "QUARANTINED", item
    entered = [e["stateEnteredEventDetails"]["name"] for e in history(stack, execution) if e["type"].endswith("StateEntered")]
    assert "Moderate" in entered and "Archive" in entered and not {"Variants", "Resize", "Thumbnail"} & set(entered), entered
    image_id = item["imageId"]["S"]
    assert stack["s3"].list_objects_v2(Bucket=stack["derived"], Prefix=f"derived/{image_id}/").get("KeyCount", 0) == 0
    assert versions(stack, key) == [], "the flagged original is still under uploads/"
    kept = stack["s3"].get_object(Bucket=stack["uploads"], Key=f"quarantine/{image_id}/original.jpg")["Body"].read()
    assert kept == open(os.path.join(FIXTURES, "orientation-2.jpg"), "rb").read()
    assert [n["status"] for n in notifications(stack) if n["source"]["key"] == key] == ["QUARANTINED"]


def test_a_rejected_upload_is_set_aside_in_quarantine(stack):
    key = "uploads/bad/document.pdf"
    item = records(stack)[key]
    assert item["status"]["S"] == "REJECTED"
    entered = [e["stateEnteredEventDetails"]["name"] for e in history(stack, stack["executions"][key]) if e["type"].endswith("StateEntered")]
    assert entered[-2:] == ["SetAside", "Rejected"], entered
    assert versions(stack, key) == [], "the rejected original is still under uploads/"
    kept = stack["s3"].get_object(Bucket=stack["uploads"], Key=f"quarantine/{item['imageId']['S']}/original.bin")["Body"].read()
    assert kept == open(os.path.join(FIXTURES, "document.pdf"), "rb").read()
