"""harness/local_map.py held to what AWS's Step Functions documentation says a Distributed Map
does ("Distributed Map state", "ItemBatcher", "ItemReader", "Tolerated failure threshold",
"ResultWriter"): the runner the rederive test trusts for what moto cannot run. Children here are
Pass, Choice, Wait and Fail states, run by moto's interpreter as they are for a rederive."""
import json, os, sys, threading

import boto3
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "harness"))
import local_aws  # noqa: E402
import local_map  # noqa: E402

BUCKET = "map-runs"


@pytest.fixture(scope="module")
def aws():
    from moto.core.config import default_user_config
    import copy, types
    from moto.stepfunctions.parser import models
    default_user_config.setdefault("stepfunctions", {})["execute_state_machine"] = True
    models.copy = types.SimpleNamespace(deepcopy=copy.copy)
    moto, endpoint, key, secret = local_aws.start_moto()
    session = dict(endpoint_url=endpoint, region_name=local_aws.REGION, aws_access_key_id=key, aws_secret_access_key=secret)
    s3, sfn = boto3.client("s3", **session), boto3.client("stepfunctions", **session)
    s3.create_bucket(Bucket=BUCKET)
    yield s3, sfn
    moto.shutdown()


def distributed(child_states, items_key="items.jsonl", **fields):
    """A parent whose one state is a Distributed Map over a JSON Lines object, results to S3."""
    state = {"Type": "Map", "ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "JSONL"},
                                          "Parameters": {"Bucket": BUCKET, "Key": items_key}},
             "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"}, "StartAt": "First",
                               "States": child_states},
             "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": BUCKET, "Prefix": "out"}},
             "End": True}
    state.update(fields)
    return {"StartAt": "Map", "States": {"Map": state}}


def run(aws, definition, document=None, items=None, key="items.jsonl"):
    s3, sfn = aws
    if items is not None:
        s3.put_object(Bucket=BUCKET, Key=key, Body="".join(json.dumps(i) + "\n" for i in items).encode())
    runner = local_map.LocalMapRunner(definition, sfn, s3, invoke=None, role_arn="arn:aws:iam::123456789012:role/map")
    status, answer = runner.run("arn:aws:states:us-east-1:123456789012:execution:parent:run", "run", document or {})
    return status, answer, runner


def results(aws, run_arn):
    s3 = aws[0]
    map_run_id = run_arn.split(":")[-1]
    manifest = json.loads(s3.get_object(Bucket=BUCKET, Key=f"out/{map_run_id}/manifest.json")["Body"].read())
    entries = {}
    for status, files in manifest["ResultFiles"].items():
        for f in files:
            entries[status] = json.loads(s3.get_object(Bucket=BUCKET, Key=f["Key"])["Body"].read())
    return manifest, entries


ECHO = {"First": {"Type": "Pass", "End": True}}
FAILS_WHEN_ASKED = {
    "First": {"Type": "Pass", "InputPath": "$.Items[0]", "Next": "Ask"},
    "Ask": {"Type": "Choice", "Choices": [{"Variable": "$.fail", "BooleanEquals": True, "Next": "Boom"}], "Default": "Fine"},
    "Boom": {"Type": "Fail", "Error": "Boom", "Cause": "asked to"},
    "Fine": {"Type": "Pass", "End": True},
}


def test_batches_hold_at_most_max_items_with_the_batch_input_and_results_are_written_as_result_writer_writes_them(aws):
    definition = distributed(ECHO, ItemBatcher={"MaxItemsPerBatch": 3, "BatchInput": {"run.$": "$.run"}})
    status, answer, runner = run(aws, definition, {"run": "r1"}, items=[{"n": i} for i in range(7)])
    assert status == "SUCCEEDED", answer
    # The Map's output names its map run and where the manifest is.
    run_arn = answer["MapRunArn"]
    assert answer["ResultWriterDetails"] == {"Bucket": BUCKET, "Key": f"out/{run_arn.split(':')[-1]}/manifest.json"}
    manifest, entries = results(aws, run_arn)
    assert manifest["MapRunArn"] == run_arn and manifest["DestinationBucket"] == BUCKET
    assert set(manifest["ResultFiles"]) == {"FAILED", "PENDING", "SUCCEEDED"} and manifest["ResultFiles"]["FAILED"] == []
    inputs = sorted((json.loads(e["Input"]) for e in entries["SUCCEEDED"]), key=lambda i: i["Items"][0]["n"])
    assert [len(i["Items"]) for i in inputs] == [3, 3, 1]
    assert all(i["BatchInput"] == {"run": "r1"} for i in inputs)
    assert [item["n"] for i in inputs for item in i["Items"]] == list(range(7)), "every item once, in order"
    assert all(set(e) >= {"ExecutionArn", "Input", "Output", "Status", "StartDate", "StopDate"} for e in entries["SUCCEEDED"])
    counts = runner.map_runs[run_arn].describe()["itemCounts"]
    assert counts["total"] == 7 and counts["succeeded"] == 7 and counts["resultsWritten"] == 7


def test_a_batch_holds_no_more_bytes_than_max_input_bytes_per_batch(aws):
    items = [{"pad": "x" * 50, "n": i} for i in range(9)]
    definition = distributed(ECHO, ItemBatcher={"MaxInputBytesPerBatch": 200})
    status, answer, _ = run(aws, definition, items=items)
    assert status == "SUCCEEDED", answer
    _, entries = results(aws, answer["MapRunArn"])
    sizes = [len(e["Input"].encode()) for e in entries["SUCCEEDED"]]
    assert len(sizes) > 1 and max(sizes) <= 200
    assert sum(len(json.loads(e["Input"])["Items"]) for e in entries["SUCCEEDED"]) == 9


@pytest.mark.parametrize("tolerance, succeeds", [
    ({}, False),                                       # AWS's default: 0 percent; one failure fails the run
    ({"ToleratedFailurePercentage": 20}, True),        # 2 of 10 is 20 percent: not more than tolerated
    ({"ToleratedFailurePercentage": 10}, False),
    ({"ToleratedFailureCount": 2}, True),
    ({"ToleratedFailureCount": 1}, False),
    ({"ToleratedFailurePercentagePath": "$.tolerate"}, True),
])
def test_the_tolerated_failure_threshold_counts_failed_items_over_all_items(aws, tolerance, succeeds):
    items = [{"fail": i in (3, 7)} for i in range(10)]
    definition = distributed(FAILS_WHEN_ASKED, ItemBatcher={"MaxItemsPerBatch": 1}, **tolerance)
    status, answer, _ = run(aws, definition, {"tolerate": 20}, items=items)
    assert (status == "SUCCEEDED") == succeeds, answer
    if not succeeds:
        assert answer[0] == "States.ExceedToleratedFailureThreshold"


def test_a_failed_batch_counts_every_item_in_it_and_its_error_is_in_the_results(aws):
    items = [{"fail": i == 0} for i in range(10)]
    for percentage, succeeds in ((50, True), (40, False)):  # the failed batch is 5 items of 10
        definition = distributed(FAILS_WHEN_ASKED, ItemBatcher={"MaxItemsPerBatch": 5}, ToleratedFailurePercentage=percentage)
        status, answer, runner = run(aws, definition, items=items)
        assert (status == "SUCCEEDED") == succeeds, answer
        map_run = next(iter(runner.map_runs.values()))
        assert map_run.describe()["itemCounts"]["failed"] == 5
        _, entries = results(aws, map_run.arn)
        assert [(e["Error"], e["Cause"]) for e in entries["FAILED"]] == [("Boom", "asked to")]


def test_max_concurrency_bounds_the_children_running_at_once(aws):
    wait = {"First": {"Type": "Wait", "Seconds": 1, "End": True}}
    definition = distributed(wait, MaxConcurrency=2)
    status, answer, runner = run(aws, definition, items=[{"n": i} for i in range(6)])
    assert status == "SUCCEEDED", answer
    assert next(iter(runner.map_runs.values())).peak_running == 2


def test_readers_read_csv_every_page_of_a_listing_and_an_inventory(aws):
    s3 = aws[0]
    s3.put_object(Bucket=BUCKET, Key="table.csv", Body=b"name,size\na,1\nb,2\n")
    csv_reader = {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
                  "Parameters": {"Bucket": BUCKET, "Key": "table.csv"}}
    status, answer, _ = run(aws, distributed(ECHO, ItemReader=csv_reader))
    assert status == "SUCCEEDED", answer
    _, entries = results(aws, answer["MapRunArn"])
    assert sorted(json.loads(e["Input"])["name"] for e in entries["SUCCEEDED"]) == ["a", "b"]

    # More keys than one ListObjectsV2 page (1,000) holds: the reader reads every page.
    threads = [threading.Thread(target=lambda part: [s3.put_object(Bucket=BUCKET, Key=f"listed/{part}-{i:04}", Body=b"")
                                                     for i in range(201)], args=(part,)) for part in range(5)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    listing = {"Resource": "arn:aws:states:::s3:listObjectsV2", "Parameters": {"Bucket": BUCKET, "Prefix": "listed/"}}
    definition = distributed(ECHO, ItemReader=listing, ItemBatcher={"MaxItemsPerBatch": 500})
    status, answer, runner = run(aws, definition)
    assert status == "SUCCEEDED", answer
    assert next(iter(runner.map_runs.values())).describe()["itemCounts"]["total"] == 1005

    # An S3 Inventory report: its manifest.json names gzipped CSV files whose rows are items, keyed
    # by the manifest's fileSchema, every value a string.
    import gzip
    rows = ['"%s","photos/a%%20b.jpg","10","e1"' % BUCKET, '"%s","photos/c.jpg","20","e2"' % BUCKET,
            '"%s","photos/d.jpg","30","e3"' % BUCKET]
    s3.put_object(Bucket=BUCKET, Key="inventory/data/1.csv.gz", Body=gzip.compress("\n".join(rows[:2]).encode() + b"\n"))
    s3.put_object(Bucket=BUCKET, Key="inventory/data/2.csv.gz", Body=gzip.compress(rows[2].encode() + b"\n"))
    manifest = {"sourceBucket": BUCKET, "destinationBucket": f"arn:aws:s3:::{BUCKET}", "fileFormat": "CSV",
                "fileSchema": "Bucket, Key, Size, ETag", "files": [{"key": "inventory/data/1.csv.gz"}, {"key": "inventory/data/2.csv.gz"}]}
    s3.put_object(Bucket=BUCKET, Key="inventory/manifest.json", Body=json.dumps(manifest).encode())
    inventory = {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "MANIFEST"},
                 "Parameters": {"Bucket": BUCKET, "Key": "inventory/manifest.json"}}
    status, answer, _ = run(aws, distributed(ECHO, ItemReader=inventory))
    assert status == "SUCCEEDED", answer
    _, entries = results(aws, answer["MapRunArn"])
    inputs = sorted((json.loads(e["Input"]) for e in entries["SUCCEEDED"]), key=lambda i: i["Key"])
    assert inputs == [{"Bucket": BUCKET, "Key": "photos/a%20b.jpg", "Size": "10", "ETag": "e1"},
                      {"Bucket": BUCKET, "Key": "photos/c.jpg", "Size": "20", "ETag": "e2"},
                      {"Bucket": BUCKET, "Key": "photos/d.jpg", "Size": "30", "ETag": "e3"}]

    # Step Functions reads CSV inventories only; Parquet datasets are not emulated: each says so.
    s3.put_object(Bucket=BUCKET, Key="inventory/orc.json", Body=json.dumps(dict(manifest, fileFormat="ORC")).encode())
    for unknown in ({"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "MANIFEST"},
                     "Parameters": {"Bucket": BUCKET, "Key": "inventory/orc.json"}},
                    {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "PARQUET"},
                     "Parameters": {"Bucket": BUCKET, "Key": "table.csv"}}):
        status, answer, _ = run(aws, distributed(ECHO, ItemReader=unknown))
        assert status == "FAILED" and answer[0] == "States.ItemReaderFailed", unknown
