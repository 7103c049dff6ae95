"""End to end: boto3 (a client Darkroom did not write) uploads into the local stack, the six real
executables run through the local Runtime API in the state machine's order, and boto3 reads the
outcome. Every upload event is delivered twice (--deliver-twice), as S3 may."""
import hashlib, io, json, os, re, subprocess, tempfile, time
from urllib.parse import unquote

import pytest
from PIL import Image

from localstack import FIXTURES, ROOT, local_stack, notifications, objects, record_for


@pytest.fixture(scope="module")
def stack():
    with local_stack("--deliver-twice") as stack:
        yield stack


def upload(stack, fixture, key):
    stack["s3"].upload_file(fixture, stack["uploads"], key)


GOOD = [("orientation-6.jpg", "uploads/camera/orientation 6.jpg"), ("rgba.png", "uploads/alpha+transparent.png"),
        (os.path.join("..", "..", "samples", "path.jpg"), "uploads/summer 2026/path été.jpg")]


def test_good_uploads_end_completed_with_variants_archive_and_one_notification(stack):
    for fixture, key in GOOD:
        upload(stack, os.path.join(FIXTURES, fixture), key)
    for fixture, key in GOOD:
        item = record_for(stack, key)
        image_id = item["imageId"]["S"]
        assert item["status"]["S"] == "COMPLETED", item
        stages = item["stages"]["M"]
        assert set(stages) == {"validate", "metadata", "resize", "thumbnail", "moderate", "archive"}
        assert all("durationMs" in s["M"] and s["M"]["outcome"]["S"] == "succeeded" for s in stages.values())
        job = json.loads(item["job"]["S"])
        metadata = job["metadata"]
        assert metadata["sha256"] and len(metadata["phash"]) == 16
        assert job["moderation"]["status"] == "passed"

        derived = objects(stack, stack["derived"], f"derived/{image_id}/")
        # name.SPEC.ext: the spec's version in the key, so a changed spec never rewrites a cached key.
        names = {re.sub(r"\.[0-9a-f]{8}\.", ".", k.rsplit("/", 1)[1]) for k in derived}
        assert names == {"large.jpg", "large.webp", "small.jpg", "medium.jpg", "large-thumb.jpg", "square.jpg"}
        assert all(re.search(r"\.[0-9a-f]{8}\.(jpg|webp)$", k) for k in derived), list(derived)
        for variant in job["variants"]:
            head = stack["s3"].head_object(Bucket=stack["derived"], Key=variant["key"])
            assert head["ContentType"] == variant["contentType"]
            assert head["ServerSideEncryption"] == "AES256"
            assert "immutable" in head["CacheControl"]
            body = stack["s3"].get_object(Bucket=stack["derived"], Key=variant["key"])["Body"].read()
            picture = Image.open(io.BytesIO(body))
            assert picture.size == (variant["width"], variant["height"])
            assert not picture.getexif(), f"{variant['key']} carries EXIF"
        large = next(v for v in job["variants"] if v["name"] == "large" and v["format"] == "jpeg")
        assert large["width"] <= 1024 and large["height"] <= 768
        if fixture == "orientation-6.jpg":
            picture = Image.open(io.BytesIO(stack["s3"].get_object(Bucket=stack["derived"], Key=large["key"])["Body"].read()))
            assert picture.size == (64, 48)
            r, g, b = picture.convert("RGB").getpixel((8, 8))
            assert r > 200 and g < 60 and b < 60, "the variant is not upright"
            assert metadata["make"] == "DarkroomCam" and abs(metadata["gps_latitude"] - 48.8581667) < 1e-6

        # The archive is dated by when the image was received (not the clock: a run may cross midnight).
        day = job["receivedAt"][:10].replace("-", "/")
        archived = objects(stack, stack["archive"], f"archive/{day}/{image_id}/")
        original_key = f"archive/{day}/{image_id}/original.{'png' if key.endswith('.png') else 'jpg'}"
        assert original_key in archived
        with open(os.path.join(FIXTURES, fixture), "rb") as f:
            assert stack["s3"].get_object(Bucket=stack["archive"], Key=original_key)["Body"].read() == f.read()
        # Its metadata rides on it (set by the same copy request), percent-encoded.
        head = stack["s3"].head_object(Bucket=stack["archive"], Key=original_key)
        meta = {name: unquote(value) for name, value in head["Metadata"].items()}
        assert meta["image-id"] == image_id and meta["source-key"] == key and meta["format"] in ("jpeg", "png")
        assert head["ContentType"] == ("image/png" if key.endswith(".png") else "image/jpeg")
        with open(os.path.join(FIXTURES, fixture), "rb") as f:
            assert meta["sha256"] == hashlib.sha256(f.read()).hexdigest()
        # The original is copied straight into the template's ArchiveStorageClass (no lifecycle
        # transition to pay later), and nothing else is archived.
        classes = {o["Key"]: o.get("StorageClass", "STANDARD")
                   for o in stack["s3"].list_objects_v2(Bucket=stack["archive"], Prefix=f"archive/{day}/{image_id}/")["Contents"]}
        assert classes == {original_key: "GLACIER_IR"}

    # Every event came twice; each image was announced exactly once.
    published = notifications(stack)
    for fixture, key in GOOD:
        mine = [n for n in published if n["source"]["key"] == key]
        assert [n["status"] for n in mine] == ["COMPLETED"], mine
        assert len(mine[0]["variants"]) == 6


BAD = [("text.jpg", "uploads/bad/text.jpg", "unsupported_format"), ("bomb.png", "uploads/bad/bomb.png", "too_many_pixels"),
       ("truncated.jpg", "uploads/bad/truncated.jpg", "corrupt"), ("external.svg", "uploads/bad/external.svg", "unsupported_format"),
       ("empty.jpg", "uploads/bad/empty.jpg", "empty")]


def test_bad_uploads_end_rejected_with_nothing_published(stack):
    for fixture, key, _ in BAD:
        upload(stack, os.path.join(FIXTURES, fixture), key)
    for fixture, key, reason in BAD:
        item = record_for(stack, key)
        assert item["status"]["S"] == "REJECTED" and item["reason"]["S"] == reason, item
        assert item["detail"]["S"]
        image_id = item["imageId"]["S"]
        assert not objects(stack, stack["derived"], f"derived/{image_id}/")
        assert not [k for k in objects(stack, stack["archive"], "archive/") if image_id in k]
    published = notifications(stack)
    for _, key, reason in BAD:
        mine = [n for n in published if n["source"]["key"] == key]
        assert [(n["status"], n["reason"]) for n in mine] == [("REJECTED", reason)]


def test_flagged_uploads_are_quarantined_and_faces_recorded(stack):
    upload(stack, os.path.join(FIXTURES, "orientation-1.jpg"), "uploads/unsafe-photo.jpg")
    upload(stack, os.path.join(FIXTURES, "orientation-1.jpg"), "uploads/faces-group.jpg")
    flagged = record_for(stack, "uploads/unsafe-photo.jpg")
    assert flagged["status"]["S"] == "QUARANTINED"
    job = json.loads(flagged["job"]["S"])
    assert job["moderation"]["status"] == "flagged" and "Explicit Nudity" in job["moderation"]["labels"]
    assert job["variants"] == []
    assert not objects(stack, stack["derived"], f"derived/{flagged['imageId']['S']}/"), "a quarantined image kept variants"
    faces = record_for(stack, "uploads/faces-group.jpg")
    moderation = json.loads(faces["job"]["S"])["moderation"]
    assert faces["status"]["S"] == "COMPLETED" and moderation["faces"] == 2
    assert moderation["faceBoxes"][0]["width"] == 0.2
    assert [n["status"] for n in notifications(stack) if n["source"]["key"] == "uploads/unsafe-photo.jpg"] == ["QUARANTINED"]


def test_the_functions_answer_the_lambda_invoke_api(stack):
    """Anything that speaks the Lambda API can call the functions: here boto3's Lambda client."""
    stack["s3"].upload_file(os.path.join(FIXTURES, "lossy.webp"), stack["uploads"], "manual/picture.webp")
    event = {"version": "0", "id": "e-1", "source": "aws.s3", "detail-type": "Object Created",
             "detail": {"bucket": {"name": stack["uploads"]}, "object": {"key": "manual/picture.webp", "size": 1}}}
    answer = stack["lambda"].invoke(FunctionName="validate", Payload=json.dumps(event).encode())
    job = json.loads(answer["Payload"].read())
    assert "FunctionError" not in answer and job["format"] == "webp" and job["contentType"] == "image/webp"
    described = json.loads(stack["lambda"].invoke(FunctionName="metadata", Payload=json.dumps(job).encode())["Payload"].read())
    assert described["metadata"]["width"] == 64
    missing = dict(event, detail={"bucket": {"name": stack["uploads"]}, "object": {"key": "manual/gone.jpg", "size": 1}})
    refused = stack["lambda"].invoke(FunctionName="validate", Payload=json.dumps(missing).encode())
    assert refused.get("FunctionError") == "Unhandled"
    assert json.loads(refused["Payload"].read())["errorType"] == "Darkroom.Rejected"

    # An SQS batch answers with only the messages to retry: rejections and duplicates are settled.
    batch = {"Records": [{"messageId": "m-1", "eventSource": "aws:sqs", "body": json.dumps(missing)},
                         {"messageId": "m-2", "eventSource": "aws:sqs", "body": json.dumps(event)}]}
    response = json.loads(stack["lambda"].invoke(FunctionName="validate", Payload=json.dumps(batch).encode())["Payload"].read())
    assert response == {"batchItemFailures": []}


def test_logs_are_json_lines_with_metrics_and_no_secrets(stack):
    with open(stack["log"]) as f:
        lines = [line for line in f.read().splitlines() if line.strip()]
    assert lines
    parsed = [json.loads(line) for line in lines]
    assert any("_aws" in p and p.get("Stage") == "resize" and p.get("BytesOut", 0) > 0 for p in parsed)
    assert any(p.get("Reason") == "too_many_pixels" and p.get("Rejections") == 1 for p in parsed)
    assert all(("requestId" in p) for p in parsed if p.get("message") in ("stage done", "image rejected"))
    text = "\n".join(lines)
    assert stack["secretAccessKey"] not in text


def darkroom_environment(stack, endpoint=None):
    return dict(os.environ, AWS_REGION=stack["region"], AWS_ACCESS_KEY_ID=stack["accessKeyId"],
                AWS_SECRET_ACCESS_KEY=stack["secretAccessKey"], AWS_ENDPOINT_URL=endpoint or stack["endpoint"],
                DARKROOM_TABLE=stack["table"], DARKROOM_DERIVED_BUCKET=stack["derived"],
                DARKROOM_ARCHIVE_BUCKET=stack["archive"], DARKROOM_TOPIC_ARN=stack["topicArn"], HOME="/nonexistent")


def test_backfill_with_darkroom_process_s3(stack):
    """`darkroom process s3://BUCKET/PREFIX` runs the same stages in-process against the stack."""
    for fixture, key in [("orientation-3.jpg", "backfill/one.jpg"), ("document.pdf", "backfill/two.pdf")]:
        upload(stack, os.path.join(FIXTURES, fixture), key)
    binary = subprocess.check_output(["swift", "build", "--show-bin-path"], cwd=ROOT, text=True).strip() + "/darkroom"
    environment = darkroom_environment(stack)
    with tempfile.TemporaryDirectory() as out:
        run = subprocess.run([binary, "process", f"s3://{stack['uploads']}/backfill/", "--json", "--out", out],
                             env=environment, capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
        results = {r["input"]: r for r in json.loads(run.stdout)}
    one = results[f"s3://{stack['uploads']}/backfill/one.jpg"]
    assert one["status"] == "COMPLETED" and len(one["variants"]) == 6
    assert all(v["path"].startswith(f"s3://{stack['derived']}/derived/{one['imageId']}/") for v in one["variants"])
    assert results[f"s3://{stack['uploads']}/backfill/two.pdf"]["reason"] == "unsupported_format"
    assert record_for(stack, "backfill/one.jpg")["status"]["S"] == "COMPLETED"
    assert len(objects(stack, stack["derived"], f"derived/{one['imageId']}/")) == 6


class SlowEndpoint:
    """A proxy in front of the stack's endpoint that holds every request back `delay` seconds and
    counts how many are in flight at once (bytes forwarded as they are, so signatures hold)."""

    def __init__(self, upstream, delay):
        import http.client, threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from urllib.parse import urlsplit
        target, lock, meter = urlsplit(upstream), threading.Lock(), self
        self.in_flight = self.most_in_flight = self.requests = 0

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def forward(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with lock:
                    meter.in_flight += 1
                    meter.requests += 1
                    meter.most_in_flight = max(meter.most_in_flight, meter.in_flight)
                try:
                    time.sleep(delay)
                    connection = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
                    connection.request(self.command, self.path, body=body, headers=dict(self.headers.items()))
                    answer = connection.getresponse()
                    payload = answer.read()
                finally:
                    with lock:
                        meter.in_flight -= 1
                self.send_response(answer.status)
                for name, value in answer.getheaders():
                    if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(name, value)
                # A HEAD answer's length is the object's, not its (empty) body's.
                self.send_header("Content-Length", answer.getheader("Content-Length", "0") if self.command == "HEAD" else str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()


def test_backfill_with_eight_jobs_waits_on_the_network_off_swift_concurrencys_threads(stack):
    """`--jobs 8` with every AWS request 0.3 s slow: the eight images' requests wait side by side on
    threads of their own and the run neither starves nor deadlocks. With the calls made on Swift's
    cooperative threads (as many as cores, narrowed further by LIBDISPATCH_COOPERATIVE_POOL_STRICT)
    this saw at most 2 requests in flight and took 77 s instead of 21 s on 2 cores."""
    photos = ["orientation-1.jpg", "orientation-3.jpg", "orientation-6.jpg", "orientation-8.jpg", "rgba.png",
              "orientation-2.jpg", "orientation-5.jpg", "orientation-7.jpg"]
    for index, fixture in enumerate(photos):
        upload(stack, os.path.join(FIXTURES, fixture), f"eight/{index}-{fixture}")
    slow = SlowEndpoint(stack["endpoint"], delay=0.3)
    binary = subprocess.check_output(["swift", "build", "--show-bin-path"], cwd=ROOT, text=True).strip() + "/darkroom"
    environment = dict(darkroom_environment(stack, endpoint=slow.url), LIBDISPATCH_COOPERATIVE_POOL_STRICT="1")
    try:
        with tempfile.TemporaryDirectory() as out:
            run = subprocess.run([binary, "process", f"s3://{stack['uploads']}/eight/", "--json", "--jobs", "8", "--out", out],
                                 env=environment, capture_output=True, text=True, timeout=300)
    finally:
        slow.stop()
    assert run.returncode == 0, run.stderr
    results = json.loads(run.stdout)
    assert sorted(r["status"] for r in results) == ["COMPLETED"] * len(photos), results
    # Blocking calls on the cooperative pool would have let one request out at a time.
    assert slow.most_in_flight >= 4, f"at most {slow.most_in_flight} of {slow.requests} requests were in flight at once"
