"""The harness builds the "Object Created" event EventBridge sends (local_stack.eventbridge_event,
which sam_local uses too). Its fields are the sample event's, events/validate.json, which the Swift
definition (LambdaEvents.EventBridgeS3Event) is held to in LambdaEventsTests: one shape, three users."""
import json, os, sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "harness"))
import local_stack  # noqa: E402


def shape(value):
    """The field names of a JSON value, nested."""
    if isinstance(value, dict):
        return {name: shape(inner) for name, inner in value.items()}
    return type(value).__name__ if value is not None else "null"


def test_the_harness_event_has_the_sample_events_fields():
    with open(os.path.join(ROOT, "events/validate.json")) as file:
        sample = json.load(file)
    made = local_stack.eventbridge_event({"s3": {"bucket": {"name": "b"}, "object": {
        "key": "uploads/a+b.jpg", "size": 3, "eTag": "e", "versionId": "v", "sequencer": "s"}}})
    assert made["detail-type"] == sample["detail-type"] and made["source"] == sample["source"]
    assert set(made) <= set(sample), set(made) - set(sample)
    assert set(made["detail"]) <= set(sample["detail"]), set(made["detail"]) - set(sample["detail"])
    # The sample has no version (its bucket is unversioned); the harness's uploads are versioned.
    assert set(made["detail"]["object"]) <= set(sample["detail"]["object"]) | {"version-id"}
    assert made["detail"]["object"]["key"] == "uploads/a b.jpg"
    assert shape(made["detail"]["bucket"]) == shape(sample["detail"]["bucket"])
