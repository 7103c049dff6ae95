"""Nothing lost when an execution itself dies. Under the template's state machine: one upload's
event is lost (no execution starts), one upload's resize stage is killed mid-run (the process dies
as it reports, its invocation is never answered, the execution hangs as an Express execution past
its timeout would). The reconcile function, invoked as its schedule would, finds both and starts
them again; they complete with one set of variants and one notification each. An image out of
restarts ends FAILED (cause stuck) with its variants withdrawn. `darkroom reconcile --dry-run`
reports the same findings and changes nothing. Every function runs under its template policy alone."""
import json, os, subprocess, time

import pytest

from localstack import FIXTURES, ROOT, local_stack, notifications, objects, record_for, records


def upload(stack, fixture, key):
    stack["s3"].upload_file(os.path.join(FIXTURES, fixture), stack["uploads"], key)


def wait_for(condition, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def kill_next_resize(stack, key):
    """Kills the resize process that runs `key` as it reports (only that image's: a retry of another
    image's task after its TimeoutSeconds is spared)."""
    import urllib.request
    request = urllib.request.Request(f"{stack['lambda_endpoint']}/local/functions/resize/misbehave",
                                     data=json.dumps([f"kill:{key}"]).encode(), method="POST")
    urllib.request.urlopen(request).read()


def resize_killed_after_reporting(stack, key):
    """The record of `key` once its resize has reported and the process was killed, and the stages
    running beside it (thumbnail, moderate) have reported too: nothing writes the record after that."""
    def outcome(item, stage):
        return item.get("stages", {}).get("M", {}).get(stage, {}).get("M", {}).get("outcome", {}).get("S")

    def check():
        item = records(stack).get(key)
        if not item or item["status"]["S"] != "PROCESSING" or outcome(item, "resize") != "succeeded":
            return None
        return item if all(outcome(item, stage) not in (None, "running") for stage in ("thumbnail", "moderate")) else None
    return wait_for(check, 60, f"{key} to be stuck in PROCESSING")


def reconcile(stack, **request):
    answer = stack["lambda"].invoke(FunctionName="reconcile", Payload=json.dumps(request).encode())
    assert "FunctionError" not in answer, answer["Payload"].read()
    return json.loads(answer["Payload"].read())


def darkroom_reconcile(stack, *options):
    binary = os.path.join(subprocess.check_output(["swift", "build", "--show-bin-path"], cwd=ROOT, text=True).strip(), "darkroom")
    env = dict(os.environ, AWS_ACCESS_KEY_ID=stack["accessKeyId"], AWS_SECRET_ACCESS_KEY=stack["secretAccessKey"],
               AWS_REGION=stack["region"], AWS_ENDPOINT_URL=stack["endpoint"], DARKROOM_TABLE=stack["table"],
               DARKROOM_DERIVED_BUCKET=stack["derived"], DARKROOM_ARCHIVE_BUCKET=stack["archive"], DARKROOM_TOPIC_ARN=stack["topicArn"])
    done = subprocess.run([binary, "reconcile", f"s3://{stack['uploads']}/uploads/", "--json", *options], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def stack():
    # Each function (the reconciler too) under an IAM user holding only its policy from template.yaml.
    with local_stack("--least-privilege") as stack:
        yield stack


@pytest.fixture(scope="module")
def first_pass(stack):
    upload(stack, "orientation-1.jpg", "uploads/good/photo.jpg")
    good = record_for(stack, "uploads/good/photo.jpg")
    upload(stack, "orientation-3.jpg", "uploads/lost-event/photo.jpg")
    kill_next_resize(stack, "uploads/killed/photo.jpg")
    upload(stack, "orientation-6.jpg", "uploads/killed/photo.jpg")
    killed = resize_killed_after_reporting(stack, "uploads/killed/photo.jpg")
    time.sleep(1.5)  # everything is now more than a second old
    dry = darkroom_reconcile(stack, "--stuck-after", "1", "--state-machine", stack["stateMachineArn"], "--dry-run")
    after_dry = records(stack)
    report = reconcile(stack, stuckAfterSeconds=1)
    final = {key: record_for(stack, key, timeout=90) for key in ("uploads/lost-event/photo.jpg", "uploads/killed/photo.jpg")}
    return dict(good=good, killed=killed, dry=dry, after_dry=after_dry, report=report, final=final)


def test_a_dry_run_reports_the_lost_and_the_stuck_and_changes_nothing(first_pass):
    dry, before = first_pass["dry"], first_pass["killed"]
    found = {entry["key"]: (entry["found"], entry["action"]) for entry in dry["entries"]}
    assert found == {"uploads/lost-event/photo.jpg": ("MISSING", "restarted"), "uploads/killed/photo.jpg": ("PROCESSING", "restarted")}
    assert dry["dryRun"] is True and dry["uploadsChecked"] == 3
    assert "uploads/lost-event/photo.jpg" not in first_pass["after_dry"]
    assert first_pass["after_dry"]["uploads/killed/photo.jpg"]["updatedAt"] == before["updatedAt"]


def test_the_reconciler_starts_the_lost_and_the_stuck_again_and_they_complete(stack, first_pass):
    report = first_pass["report"]
    found = {entry["key"]: (entry["found"], entry["action"], entry["restarts"]) for entry in report["entries"]}
    assert found == {"uploads/lost-event/photo.jpg": ("MISSING", "restarted", 1), "uploads/killed/photo.jpg": ("PROCESSING", "restarted", 1)}
    for key, item in first_pass["final"].items():
        assert item["status"]["S"] == "COMPLETED", key
        assert item["restarts"]["N"] == "1", key
        variants = objects(stack, stack["derived"], f"derived/{item['imageId']['S']}/")
        assert len(variants) == 6, key
    # The finished image was left alone.
    assert "restarts" not in records(stack)["uploads/good/photo.jpg"]
    announced = {}
    for n in notifications(stack):
        announced.setdefault(n["source"]["key"], []).append(n["status"])
    assert announced == {"uploads/good/photo.jpg": ["COMPLETED"], "uploads/lost-event/photo.jpg": ["COMPLETED"],
                         "uploads/killed/photo.jpg": ["COMPLETED"]}


def test_an_image_out_of_restarts_ends_failed_stuck_with_its_variants_withdrawn(stack, first_pass):
    kill_next_resize(stack, "uploads/doomed/photo.jpg")
    upload(stack, "orientation-8.jpg", "uploads/doomed/photo.jpg")
    stuck = resize_killed_after_reporting(stack, "uploads/doomed/photo.jpg")
    image_id = stuck["imageId"]["S"]
    assert objects(stack, stack["derived"], f"derived/{image_id}/"), "the killed run wrote no variants to withdraw"
    time.sleep(1.5)
    report = reconcile(stack, stuckAfterSeconds=1, maxRestarts=0)
    assert [(e["key"], e["action"]) for e in report["entries"]] == [("uploads/doomed/photo.jpg", "failed")]
    item = records(stack)["uploads/doomed/photo.jpg"]
    assert item["status"]["S"] == "FAILED" and item["cause"]["S"] == "stuck" and "reason" not in item, item
    assert objects(stack, stack["derived"], f"derived/{image_id}/") == {}
    published = [(n["status"], n["cause"]) for n in notifications(stack) if n["source"]["key"] == "uploads/doomed/photo.jpg"]
    assert published == [("FAILED", "stuck")]
    # Nothing is left for a later pass.
    assert reconcile(stack, stuckAfterSeconds=1)["entries"] == []
