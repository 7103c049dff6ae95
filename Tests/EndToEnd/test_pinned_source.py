"""What was checked is what gets published: an upload overwritten between validate and the later
stages, run through the real stage functions (the local Invoke API) by hand. In the versioned
uploads bucket every later stage reads, copies and moderates the version validate checked; in a
bucket without versions the swapped bytes are refused (If-Match), and the image ends FAILED with
the reason. Never a mix. (Keys outside uploads/, so that no event starts the pipeline on its own.)"""
import hashlib, io, json, os

import pytest
from PIL import Image

from localstack import FIXTURES, ROOT, local_stack, records

PHOTO = os.path.join(ROOT, "samples", "path.jpg")        # 2560x1600
SWAP = os.path.join(FIXTURES, "orientation-1.jpg")       # 64x48


@pytest.fixture(scope="module")
def stack():
    with local_stack() as stack:
        stack["s3"].create_bucket(Bucket="darkroom-unversioned")
        yield stack


def invoke(stack, name, payload):
    answer = stack["lambda"].invoke(FunctionName=name, Payload=json.dumps(payload).encode())
    return json.loads(answer["Payload"].read() or b"null"), answer.get("FunctionError")


def upload_event(stack, bucket, key):
    stack["s3"].upload_file(PHOTO, bucket, key)
    head = stack["s3"].head_object(Bucket=bucket, Key=key)
    return {"source": "aws.s3", "detail-type": "Object Created",
            "detail": {"bucket": {"name": bucket}, "object": {"key": key, "size": head["ContentLength"], "etag": head["ETag"].strip('"'),
                                                               "version-id": head.get("VersionId")}}}


def test_a_versioned_upload_swapped_after_validate_is_processed_from_the_checked_bytes(stack):
    event = upload_event(stack, stack["uploads"], "manual/swap.jpg")
    job, error = invoke(stack, "validate", event)
    assert error is None, job
    assert job["source"]["versionId"], job["source"]
    stack["s3"].upload_file(SWAP, stack["uploads"], "manual/swap.jpg")  # overwritten after validate
    job, error = invoke(stack, "metadata", job)
    assert error is None and (job["metadata"]["width"], job["metadata"]["height"]) == (2560, 1600), job
    branches = [invoke(stack, name, job) for name in ("resize", "thumbnail", "moderate")]
    assert all(error is None for _, error in branches), branches
    done, error = invoke(stack, "archive", dict(job, branches=[b for b, _ in branches]))
    assert error is None, done
    large = next(v for v in done["variants"] if v["name"] == "large" and v["format"] == "jpeg")
    body = stack["s3"].get_object(Bucket=large["bucket"], Key=large["key"])["Body"].read()
    assert Image.open(io.BytesIO(body)).size == (1024, 640)  # from the 2560x1600 photo, not the 64x48 swap
    original = next(k for k in done["archive"]["keys"] if "/original." in k)
    archived = stack["s3"].get_object(Bucket=done["archive"]["bucket"], Key=original)["Body"].read()
    assert hashlib.sha256(archived).hexdigest() == hashlib.sha256(open(PHOTO, "rb").read()).hexdigest() == done["sha256"]
    assert records(stack)["manual/swap.jpg"]["status"]["S"] == "COMPLETED"


def test_an_unversioned_upload_swapped_after_validate_ends_failed_with_the_reason(stack):
    event = upload_event(stack, "darkroom-unversioned", "manual/swap.jpg")
    job, error = invoke(stack, "validate", event)
    assert error is None and job["source"]["etag"] and not job["source"].get("versionId"), job
    stack["s3"].upload_file(SWAP, "darkroom-unversioned", "manual/swap.jpg")
    answer, error = invoke(stack, "metadata", job)
    assert error and answer["errorType"] == "Darkroom.Fault" and "source_changed" in answer["errorMessage"], answer
    # The state machine's catch path hands the job and the error to the failure function.
    caught = dict(job, error={"Error": answer["errorType"], "Cause": json.dumps(answer)})
    _, error = invoke(stack, "settle", caught)
    assert error is None
    item = next(i for i in stack["dynamodb"].scan(TableName=stack["table"])["Items"]
                if i["source"]["M"]["bucket"]["S"] == "darkroom-unversioned")
    assert item["status"]["S"] == "FAILED" and "overwritten after validate checked it" in item["detail"]["S"], item
    derived = stack["s3"].list_objects_v2(Bucket=stack["derived"], Prefix=f"derived/{job['imageId']}/").get("Contents", [])
    assert derived == []
