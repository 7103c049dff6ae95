"""An upload flood against reserved concurrency: the template's state machine in moto's
interpreter, each stage function limited to one invocation at a time (the local Lambda answers
429 TooManyRequestsException past that, as Lambda does). Throttled tasks back off and retry;
nothing is lost."""
import json, os, urllib.request
from concurrent.futures import ThreadPoolExecutor

from localstack import FIXTURES, local_stack, notifications, records, wait_until_final

UPLOADS = 8


def test_more_uploads_at_once_than_the_concurrency_allows_all_complete():
    with local_stack("--concurrency", "1", "--workers", "0") as stack:
        keys = [f"uploads/flood/{index}.jpg" for index in range(UPLOADS)]
        fixture = os.path.join(FIXTURES, "orientation-1.jpg")
        with ThreadPoolExecutor(UPLOADS) as pool:
            list(pool.map(lambda key: stack["s3"].upload_file(fixture, stack["uploads"], key), keys))
        found = wait_until_final(stack, keys, timeout=280)
        assert {key: found.get(key, {}).get("status", {}).get("S") for key in keys} == {key: "COMPLETED" for key in keys}
        state = json.loads(urllib.request.urlopen(f"{stack['lambda_endpoint']}/local/functions", timeout=10).read())
        throttled = sum(function["throttled"] for function in state.values())
        assert throttled > 0, "no invocation was throttled: the flood did not exceed the concurrency"
        published = [n for n in notifications(stack) if n["source"]["key"] in keys]
        assert sorted(n["source"]["key"] for n in published) == sorted(keys)
        assert {n["status"] for n in published} == {"COMPLETED"}
        assert len(records(stack)) == UPLOADS
