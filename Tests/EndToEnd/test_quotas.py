"""Quotas end to end (docs/api.md, "Quotas"): the api function's admissions against the usage item
in DynamoDB (moto, conditional writes over the item's revision), the stage functions ending an
upload's lease at its final status, and an erase giving its bytes back; limits set as template
parameters through scripts/local-stack's --param."""
import os, time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from localstack import FIXTURES, Client, local_stack

PHOTO = open(os.path.join(FIXTURES, "orientation-1.jpg"), "rb").read()


@pytest.fixture(scope="module")
def stack():
    # Three processes per function: the api function's admissions race as Lambda's concurrent
    # environments would.
    with local_stack("--instances", "3", "--param", "QuotaInFlight=3", "--param", "QuotaUploadsPerMinute=0", "--param", "QuotaImagesPerDay=0",
                     "--param", f"QuotaStoredBytes={len(PHOTO) * 3 // 2}") as running:
        yield running


def refused(answer, limit):
    assert answer.status_code == 429, answer.text
    assert answer.headers["Content-Type"] == "application/problem+json"
    body = answer.json()
    assert body["code"] == "quota_exceeded" and body["limit"] == limit, body
    return body


def post(form, data):
    posted = requests.post(form["post"]["url"], data=form["post"]["fields"], files={"file": ("photo.jpg", data, "image/jpeg")}, timeout=30)
    assert posted.status_code == 204, posted.text


def final(client, upload_id, timeout=90):
    deadline = time.time() + timeout
    while time.time() < deadline:
        status = client.get(f"/uploads/{upload_id}")
        if status.status_code == 303:
            return status.json()
        time.sleep(0.5)
    raise AssertionError(f"upload {upload_id} never ended; see {client.stack['log']}")


def test_forms_asked_for_at_once_past_the_in_flight_limit_are_refused_exactly(stack):
    carol = Client(stack, "carol")
    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(lambda _: carol.ask(PHOTO), range(10)))
    assert sorted(a.status_code for a in answers) == [201] * 3 + [429] * 7, [a.text for a in answers]
    for answer in answers:
        if answer.status_code == 429:
            body = refused(answer, "inFlight")
            # The soonest lease lapses at its form's expiry (900 s) and the allowance (900 s).
            assert 0 < int(answer.headers["Retry-After"]) <= 1800 and body["retryAfter"] == int(answer.headers["Retry-After"])
    assert carol.get("/me").json()["inFlight"] == {"used": 3, "limit": 3}
    # Another owner has places of their own.
    assert Client(stack, "dan").ask(PHOTO).status_code == 201

    forms = [a.json() for a in answers if a.status_code == 201]
    post(forms[0], PHOTO)
    done = final(carol, forms[0]["uploadId"])
    assert done["status"] == "COMPLETED"
    me = carol.get("/me").json()
    assert me["inFlight"] == {"used": 2, "limit": 3} and me["storedBytes"] == {"used": len(PHOTO), "limit": len(PHOTO) * 3 // 2}

    # A fourth form now fits in flight, but not in the bytes left: only an erase makes room, so
    # no time to wait is given.
    full = carol.ask(PHOTO)
    refused(full, "storedBytes")
    assert "Retry-After" not in full.headers
    assert carol.ask(PHOTO[: len(PHOTO) // 2]).status_code == 201

    assert carol.delete(f"/images/{done['imageId']}").status_code == 202
    assert carol.get("/me").json()["storedBytes"]["used"] == 0
    assert carol.delete(f"/images/{done['imageId']}").status_code == 202
    assert carol.get("/me").json()["storedBytes"]["used"] == 0


def test_a_rejected_upload_ends_its_lease_and_keeps_nothing(stack):
    erin = Client(stack, "erin")
    form = erin.ask(PHOTO).json()
    post(form, b"%PDF-1.4 not a photo at all" + b"\0" * 64)
    assert final(erin, form["uploadId"])["status"] == "REJECTED"
    me = erin.get("/me").json()
    assert me["inFlight"]["used"] == 0 and me["storedBytes"]["used"] == 0 and me["imagesToday"] == {"used": 1}
