"""Rederive on the template's rederive state machine (statemachine/rederive.asl.json): its
manifest step, batches and tolerance run by harness/local_map.py, each child batch by moto's
interpreter, every function under its template policy alone. 200 images go through the pipeline;
`darkroom rederive` (a client of Step Functions and S3 like any other) moves them onto a new
variant set while one image's original cannot be read by the thumbnail function (a fault injected
for the whole run). Reads sampled all the while find no record listing an object that is not there.
A second run picks up the one left; a third does nothing. A run whose failures pass its threshold
stops, and nothing it did leaves a record without its objects."""
import io, json, os, random, subprocess, threading, time
import urllib.request

import pytest
from PIL import Image

from localstack import ROOT, local_stack, records

IMAGES = 200
NEW = ("resize:large=1024x768:fit:jpeg+webp:watermark thumbnail:small=120 thumbnail:medium=300 "
       "thumbnail:large-thumb=600 thumbnail:square=200:cover")
NEWER = NEW.replace("small=120", "small=100")


def photo(index):
    """A small JPEG of its own shape: portrait, landscape, square, long."""
    shapes = [(64, 48), (48, 64), (60, 60), (160, 40), (40, 160)]
    width, height = shapes[index % len(shapes)]
    width, height = width + index % 7, height + index % 5
    chance = random.Random(index)
    image = Image.new("RGB", (width, height), (chance.randrange(256), chance.randrange(256), chance.randrange(256)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def variant_keys(item):
    job = json.loads(item["job"]["S"])
    return {v["key"] for v in job["variants"]}


def derived_objects(stack):
    found = {}
    for page in stack["s3"].get_paginator("list_objects_v2").paginate(Bucket=stack["derived"], Prefix="derived/"):
        for o in page.get("Contents", []):
            found[o["Key"]] = o["ETag"]
    return found


def completed(stack):
    return {item["imageId"]["S"]: item for item in records(stack).values() if item["status"]["S"] == "COMPLETED"}


def darkroom_rederive(stack, *options):
    binary = os.path.join(subprocess.check_output(["swift", "build", "--show-bin-path"], cwd=ROOT, text=True).strip(), "darkroom")
    env = dict(os.environ, AWS_ACCESS_KEY_ID=stack["accessKeyId"], AWS_SECRET_ACCESS_KEY=stack["secretAccessKey"],
               AWS_REGION=stack["region"], AWS_ENDPOINT_URL=stack["endpoint"], DARKROOM_TABLE=stack["table"],
               DARKROOM_DERIVED_BUCKET=stack["derived"], DARKROOM_ARCHIVE_BUCKET=stack["archive"], DARKROOM_TOPIC_ARN=stack["topicArn"],
               DARKROOM_REDERIVE_STATE_MACHINE_ARN=stack["rederive_state_machine"])
    done = subprocess.run([binary, "rederive", "--json", "--poll", "0.5", *options], env=env, capture_output=True, text=True,
                          timeout=900)
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    return done.returncode, lines, done.stderr


def fail_thumbnails_of(stack, image_ids):
    """Every S3 request of the thumbnail function (which renders the changed variant, small) naming
    one of these images fails (503 SlowDown)."""
    request = urllib.request.Request(f"{stack['proxies']['thumbnail']}/__rules", method="POST",
                                     data=json.dumps({image_id: -1 for image_id in image_ids}).encode())
    urllib.request.urlopen(request).read()


class Sampler:
    """Reads a random completed record and HEADs every object it lists, over and over: a record
    that lists a missing object, and still lists it when read again, is a violation."""

    def __init__(self, stack, image_ids):
        self.stack, self.image_ids = stack, list(image_ids)
        self.samples, self.violations = 0, []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def listed(self, image_id):
        item = self.stack["dynamodb"].get_item(TableName=self.stack["table"], Key={"imageId": {"S": image_id}},
                                               ConsistentRead=True)["Item"]
        return variant_keys(item)

    def run(self):
        chance = random.Random(3)
        while not self.stop.is_set():
            image_id = chance.choice(self.image_ids)
            keys = self.listed(image_id)
            missing = []
            for key in keys:
                try:
                    self.stack["s3"].head_object(Bucket=self.stack["derived"], Key=key)
                except self.stack["s3"].exceptions.ClientError:
                    missing.append(key)
            if not keys or (missing and self.listed(image_id) == keys):
                self.violations.append((image_id, missing or "no variants"))
            self.samples += 1
            # Room for the run itself: each sample is a read and six HEADs, each signature-checked.
            time.sleep(0.05)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=30)


@pytest.fixture(scope="module")
def stack():
    with local_stack("--least-privilege", "--moderation", "off", "--param", "RederiveBatchSize=10",
                     "--param", "RederiveConcurrency=4") as stack:
        for index in range(IMAGES):
            stack["s3"].put_object(Bucket=stack["uploads"], Key=f"uploads/ops/photo-{index:03}.jpg", Body=photo(index))
        deadline = time.time() + 600
        while len(completed(stack)) < IMAGES and time.time() < deadline:
            time.sleep(1)
        assert len(completed(stack)) == IMAGES, f"only {len(completed(stack))} of {IMAGES} completed; see {stack['log']}"
        yield stack


def test_a_rederive_moves_every_image_but_the_faulty_one_and_no_read_meets_a_missing_object(stack):
    before = completed(stack)
    old_sets = {image_id: variant_keys(item) for image_id, item in before.items()}
    faulty = sorted(before)[17]
    fail_thumbnails_of(stack, [faulty])
    with Sampler(stack, before) as sampler:
        code, lines, stderr = darkroom_rederive(stack, "--variants", NEW, "--tolerated-failure-percent", "10")
    assert sampler.samples > 50 and sampler.violations == [], (sampler.samples, sampler.violations[:5])
    report = lines[-1]
    assert report["event"] == "report" and report["status"] == "SUCCEEDED", (report, stderr)
    assert code == 1, "an image failed, so the command says so"
    assert report["report"]["rederived"] == IMAGES - 1 and report["report"]["skipped"] == 0
    assert [f["imageId"] for f in report["report"]["failed"]] == [faulty]
    assert "SlowDown" in report["report"]["failed"][0]["why"] or "Transient" in report["report"]["failed"][0]["why"], report
    progress = [line for line in lines if line["event"] == "progress"]
    assert progress and progress[-1]["total"] == IMAGES and progress[-1]["done"] == IMAGES and progress[-1]["failed"] == 10

    after = completed(stack)
    objects = derived_objects(stack)
    new_sets = {image_id: variant_keys(item) for image_id, item in after.items()}
    assert new_sets[faulty] == old_sets[faulty], "the failed image keeps its set"
    assert {k for k in objects if k.startswith(f"derived/{faulty}/")} == old_sets[faulty], "and nothing else is left of it"
    moved = [image_id for image_id in after if image_id != faulty]
    assert all(new_sets[i] != old_sets[i] for i in moved)
    # Every listed object is there; every object of an old set that the new one does not reuse is gone.
    assert all(key in objects for keys in new_sets.values() for key in keys)
    assert not [key for i in moved for key in old_sets[i] - new_sets[i] if key in objects]
    # The new keys name the new spec: small is 120 px wide at most on every moved image.
    for image_id in moved[:20]:
        job = json.loads(after[image_id]["job"]["S"])
        small = next(v for v in job["variants"] if v["name"] == "small")
        assert max(small["width"], small["height"]) <= 120

    # The fault gone, a second run resumes: only the image left over is rendered.
    fail_thumbnails_of(stack, [])
    code, lines, stderr = darkroom_rederive(stack, "--variants", NEW)
    assert code == 0, stderr
    assert lines[-1]["report"]["rederived"] == 1 and lines[-1]["report"]["skipped"] == IMAGES - 1, lines[-1]
    settled = derived_objects(stack)

    # A third run does nothing: every image already on the set, no object written or removed.
    code, lines, stderr = darkroom_rederive(stack, "--variants", NEW)
    assert code == 0, stderr
    assert lines[-1]["report"] == {"rederived": 0, "skipped": IMAGES, "removed": 0, "failed": [], "failedBatches": 0}
    assert derived_objects(stack) == settled


def test_a_dry_run_counts_and_prices_and_changes_nothing(stack):
    before = derived_objects(stack)
    code, lines, stderr = darkroom_rederive(stack, "--variants", NEWER, "--dry-run")
    assert code == 0, stderr
    plan = lines[-1]
    assert plan["event"] == "plan" and plan["rederive"] == IMAGES and plan["skip"] == 0
    assert plan["dollars"] > 0 and set(plan["lines"]) >= {"Lambda compute", "Lambda requests"}
    code, lines, stderr = darkroom_rederive(stack, "--variants", NEW, "--dry-run")
    assert lines[-1]["rederive"] == 0 and lines[-1]["skip"] == IMAGES
    assert derived_objects(stack) == before


def test_a_run_whose_failures_pass_its_threshold_stops(stack):
    image_ids = sorted(completed(stack))
    fail_thumbnails_of(stack, image_ids[:3])
    try:
        with Sampler(stack, image_ids) as sampler:
            code, lines, stderr = darkroom_rederive(stack, "--variants", NEWER, "--tolerated-failure-percent", "0",
                                                    "--batch-size", "10", "--concurrency", "1")
    finally:
        fail_thumbnails_of(stack, [])
    assert sampler.violations == [], sampler.violations[:5]
    report = lines[-1]
    assert code == 1 and report["status"] == "FAILED", (report, stderr)
    assert report["error"] == "States.ExceedToleratedFailureThreshold", report
    # One child at a time: the run stopped after the first failed batch, before the others ran.
    failed = {f["imageId"] for f in report["report"]["failed"]}
    assert failed and failed <= set(image_ids[:3]), report
    assert report["report"]["rederived"] < IMAGES - 10, report
    # Whatever it did, every record lists objects that are there.
    objects = derived_objects(stack)
    assert all(key in objects for item in completed(stack).values() for key in variant_keys(item))
