"""What one image costs in requests: the functions' S3, DynamoDB and SNS requests, counted by the
local stack's proxies (scripts/count-requests), for a COMPLETED, a REJECTED and a QUARANTINED
image. Each budget below is what the pipeline needs; a change that adds a request fails here."""
import importlib.machinery, importlib.util, os

import pytest

from localstack import ROOT

loader = importlib.machinery.SourceFileLoader("count_requests", os.path.join(ROOT, "scripts", "count-requests"))
spec = importlib.util.spec_from_loader("count_requests", loader)
count_requests = importlib.util.module_from_spec(spec)
loader.exec_module(count_requests)


@pytest.fixture(scope="module")
def measured():
    return count_requests.measure(build=False)


def requests(measured, case, function=None, operation=None):
    """How many requests of `function` (any) and `operation` (any; "s3/CopyObject" also counts those
    into a storage class, "s3/CopyObject (GLACIER_IR)" only those) the case made."""
    def matches(name):
        counted = name.split("/", 1)[1]
        return operation is None or counted == operation or counted.split(" (")[0] == operation
    return sum(n for name, n in measured[case]["requests"].items()
               if (function is None or name.split("/")[0] == function) and matches(name))


def test_a_completed_image_reads_its_upload_once_per_pixel_stage_and_never_heads_it(measured):
    for function in ("validate", "metadata", "resize", "thumbnail"):
        assert requests(measured, "COMPLETED", function, "s3/GetObject") == 1, function
    assert requests(measured, "COMPLETED", operation="s3/HeadObject") == 0
    assert requests(measured, "COMPLETED", operation="s3/GetObject") == 4


def test_a_completed_image_archives_only_its_original_with_its_metadata(measured):
    assert requests(measured, "COMPLETED", "archive", "s3/CopyObject") == 1
    # Into the template's storage class at once: no lifecycle transition is billed later.
    assert requests(measured, "COMPLETED", "archive", "s3/CopyObject (GLACIER_IR)") == 1
    assert requests(measured, "COMPLETED", "archive", "s3/PutObject") == 0  # the metadata rides on the copy
    # Six variants in the default set, each written once.
    assert requests(measured, "COMPLETED", operation="s3/PutObject") == 6


def test_status_is_written_at_most_once_per_stage_boundary(measured):
    writes = lambda function: sum(requests(measured, "COMPLETED", function, f"dynamodb/{op}") for op in ("PutItem", "UpdateItem"))  # noqa: E731
    assert writes("validate") == 2  # the record, then what validate found
    for function in ("metadata", "moderate", "resize", "thumbnail"):
        assert writes(function) == 1, function
    assert writes("archive") == 1  # COMPLETED (a publish that worked writes nothing more)
    assert not [name for name in measured["COMPLETED"]["requests"] if "condition failed" in name]
    assert requests(measured, "COMPLETED", operation="dynamodb/GetItem") <= 2  # the publishing stages look first


def test_as_deployed_no_moderate_function_runs_and_only_the_template_variants_are_stored(measured):
    # The state machine's moderation branch is a Pass state: no invocation, no write of its own. The
    # stack as deployed stores the template's Variants (the large JPEG; renditions make the rest).
    import sys
    sys.path.insert(0, os.path.join(ROOT, "harness"))
    import sam_local
    off = count_requests.OFF
    assert not [name for name in measured[off]["requests"] if name.startswith("moderate/")]
    assert requests(measured, off, operation="s3/PutObject") == sam_local.expected_variants() == 1
    # The thumbnail stage, with nothing to make, reads neither the upload nor the record.
    assert requests(measured, off, "thumbnail", "s3/GetObject") == 0
    assert requests(measured, off, "thumbnail", "dynamodb/GetItem") == 0
    assert units(measured, off) < units(measured, "COMPLETED") - units(measured, "COMPLETED", "moderate")


def test_one_announcement_per_outcome(measured):
    for case in ("COMPLETED", "REJECTED", "QUARANTINED"):
        assert requests(measured, case, operation="sns/Publish") == 1, case


def test_rejected_and_quarantined_images_cost_a_handful(measured):
    # Eight: settle reads the erase note after its set-aside copy (a racing erase leaves nothing).
    assert requests(measured, "REJECTED") <= 8
    assert requests(measured, "QUARANTINED") <= 10
    assert requests(measured, "QUARANTINED", operation="s3/PutObject") == 0  # no variant was ever made


def units(measured, case, function=None, operation=None):
    return sum(n for name, n in measured[case]["units"].items()
               if (function is None or name.split("/")[0] == function) and (operation is None or name.split("/", 1)[1] == operation))


def test_indexes_are_written_only_when_what_they_index_changes(measured):
    # A write in the middle of the pipeline changes no status and no index key, and the record,
    # created without the job, is under 1 KB until the end: one unit each. Validate's verdict is
    # one of them (the record was created in PROCESSING: no status to move).
    for function in ("validate", "metadata", "moderate", "resize", "thumbnail"):
        assert units(measured, "COMPLETED", function, "dynamodb/UpdateItem") == 1, function
    # Created with its entries in the indexes it belongs to (status, owner), and moved once; the
    # completing write: the record (under 4 KB), its status index entry removed (a COMPLETED image
    # leaves byStatus), the owner's status entry moved, the camera and content entries put.
    assert units(measured, "COMPLETED", "validate", "dynamodb/PutItem") <= 4
    assert units(measured, "COMPLETED", "archive", "dynamodb/UpdateItem") <= 9
    writes = sum(units(measured, "COMPLETED", operation=f"dynamodb/{op}") for op in ("PutItem", "UpdateItem", "BatchWriteItem"))
    assert writes <= 24
    # The completing write puts the perceptual-hash bands, one item each, in one request.
    assert requests(measured, "COMPLETED", "archive", "dynamodb/BatchWriteItem") == 1
    assert units(measured, "COMPLETED", "archive", "dynamodb/BatchWriteItem") == 6
    for case in ("REJECTED", "QUARANTINED"):
        assert requests(measured, case, operation="dynamodb/BatchWriteItem") == 0, case
