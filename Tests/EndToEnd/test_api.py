"""The HTTP API end to end: the local front (JWT checks as API Gateway's authorizer makes them),
the real `api` function, uploads through presigned POST forms checked as S3 checks them, the
pipeline in the template's state machine, and requests + boto3 as the independent clients."""
import base64, datetime, hashlib, hmac, io, json, time

import pytest
import requests
from PIL import Image

from localstack import ROOT, FIXTURES, Client, deliver_again, local_stack

SAMPLES = f"{ROOT}/samples"


@pytest.fixture(scope="module")
def stack():
    with local_stack() as running:
        yield running


def problem(response, status, code):
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == code and response.json()["status"] == status
    return response.json()


def sample(name):
    return open(f"{SAMPLES}/{name}", "rb").read()


def reencoded(name, scale=0.8, crop=0.02, quality=70):
    """The photo resized, lightly cropped and saved again: other bytes, the same picture."""
    image = Image.open(f"{SAMPLES}/{name}")
    w, h = image.size
    image = image.crop((int(w * crop), int(h * crop), int(w * (1 - crop)), int(h * (1 - crop))))
    image = image.resize((int(image.width * scale), int(image.height * scale)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


@pytest.fixture(scope="module")
def library(stack):
    """Alice's photos, uploaded through the API; one rejected file; Bob's one photo."""
    alice, bob = Client(stack, "alice"), Client(stack, "bob")
    images = {name: alice.upload(sample(name), filename=name) for name in ("path.jpg", "fallen-leaf.jpg", "colorful-cups.jpg")}
    images["path-copy"] = alice.upload(reencoded("path.jpg"), filename="path-copy.jpg")
    images["bad"] = alice.upload(open(f"{FIXTURES}/document.pdf", "rb").read(), content_type="image/png", filename="not-a-png.png")
    images["bob"] = bob.upload(sample("fallen-leaf.jpg"), filename="leaf.jpg")
    return alice, bob, images


def test_an_upload_through_the_form_completes_and_its_variants_download(library):
    alice, _, images = library
    image = images["path.jpg"]
    assert image["status"] == "COMPLETED"
    assert (image["width"], image["height"]) == (2560, 1600) and image["camera"] == "OLYMPUS IMAGING CORP. E-M1"
    assert image["metadata"]["sha256"] == hashlib.sha256(sample("path.jpg")).hexdigest()
    assert [s["stage"] for s in image["stages"]][0] == "validate" and {s["outcome"] for s in image["stages"]} == {"succeeded"}
    assert {"validate", "metadata", "moderate", "resize", "thumbnail", "archive"} == {s["stage"] for s in image["stages"]}
    assert image["moderation"]["status"] == "passed" and image["faces"] == []
    assert len(image["variants"]) >= 4
    for variant in image["variants"]:
        fetched = requests.get(variant["url"], timeout=30)
        assert fetched.status_code == 200, (variant["name"], fetched.text)
        assert len(fetched.content) == variant["bytes"]
        decoded = Image.open(io.BytesIO(fetched.content))
        assert decoded.size == (variant["width"], variant["height"])
        assert datetime.datetime.fromisoformat(variant["expiresAt"].replace("Z", "+00:00")) > datetime.datetime.now(datetime.timezone.utc)
    # A presigned URL is good for its object only.
    first, last = image["variants"][0], image["variants"][-1]
    other = first["url"].replace(f"/{first['name']}.", f"/{last['name']}.", 1)
    assert other != first["url"]
    assert requests.get(other, timeout=30).status_code == 403


def test_a_rejected_upload_shows_its_reason(library):
    image = library[2]["bad"]
    assert image["status"] == "REJECTED"
    assert image["reason"] == "unsupported_format" and image["detail"]
    assert image["variants"] == []


def test_the_form_is_for_one_small_enough_file_of_its_type_until_it_expires(library, stack):
    alice = library[0]
    data = sample("path.jpg")
    form = alice.ask(data[:1000]).json()
    fields, url = form["post"]["fields"], form["post"]["url"]
    policy = json.loads(base64.b64decode(fields["policy"]))
    expires = datetime.datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
    assert expires - datetime.datetime.now(datetime.timezone.utc) <= datetime.timedelta(minutes=15)
    assert ["content-length-range", 1, 1000] in policy["conditions"]
    # Larger than declared.
    refused = requests.post(url, data=fields, files={"file": ("a.jpg", data[:1001], "image/jpeg")}, timeout=30)
    assert refused.status_code == 400 and b"EntityTooLarge" in refused.content
    # Another type, another key, another owner's metadata: each is a field the policy fixes.
    for name, value in (("Content-Type", "image/png"), ("key", fields["key"] + "-2"), ("x-amz-meta-owner", "u-someone")):
        refused = requests.post(url, data=dict(fields, **{name: value}), files={"file": ("a.jpg", data[:1000], "image/jpeg")}, timeout=30)
        assert refused.status_code == 403 and b"Policy Condition failed" in refused.content, (name, refused.text)
    # A field the policy does not name.
    refused = requests.post(url, data=dict(fields, acl="public-read"), files={"file": ("a.jpg", data[:1000], "image/jpeg")}, timeout=30)
    assert refused.status_code == 403 and b"Extra input fields" in refused.content
    # An expired policy, signed as the API signs (with the key it runs under), is refused.
    expired = dict(policy, expiration=(datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=5)).strftime("%Y-%m-%dT%H:%M:%S.000Z"))
    encoded = base64.b64encode(json.dumps(expired).encode()).decode()
    key = ("AWS4" + stack["secretAccessKey"]).encode()
    for part in fields["x-amz-credential"].split("/")[1:]:
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signed = dict(fields, policy=encoded, **{"x-amz-signature": hmac.new(key, encoded.encode(), hashlib.sha256).hexdigest()})
    refused = requests.post(url, data=signed, files={"file": ("a.jpg", data[:1000], "image/jpeg")}, timeout=30)
    assert refused.status_code == 403 and b"Policy expired" in refused.content
    # A policy changed without its signature.
    refused = requests.post(url, data=dict(fields, policy=encoded), files={"file": ("a.jpg", data[:1000], "image/jpeg")}, timeout=30)
    assert refused.status_code == 403 and b"SignatureDoesNotMatch" in refused.content
    # Nothing of all that reached the bucket.
    listed = stack["s3"].list_object_versions(Bucket=stack["uploads"], Prefix=fields["key"])
    assert not listed.get("Versions")
    status = alice.get(f"/uploads/{form['uploadId']}")
    assert status.status_code == 200 and status.json()["status"] == "WAITING"


def test_uploads_are_refused_before_anything_is_sent(library):
    alice = library[0]
    problem(alice.ask(b"x" * 10, content_type="text/plain"), 415, "unsupported_type")
    too_large = requests.post(alice.api + "/uploads", json={"filename": "big.jpg", "contentType": "image/jpeg", "bytes": 50_000_001},
                              headers=alice.headers, timeout=30)
    problem(too_large, 413, "too_large")
    problem(requests.post(alice.api + "/uploads", data=b"{not json", headers=alice.headers, timeout=30), 400, "bad_json")
    problem(requests.post(alice.api + "/uploads", json={"filename": "a.jpg", "contentType": "image/jpeg"}, headers=alice.headers, timeout=30),
            400, "bad_json")
    problem(requests.post(alice.api + "/uploads", json={"filename": "a.jpg", "contentType": "image/jpeg", "bytes": 0}, headers=alice.headers,
                          timeout=30), 400, "bad_size")
    problem(alice.ask(b"x" * 10, sha256="zz"), 400, "bad_sha256")


def test_the_same_bytes_again_are_the_image_already_there(library):
    alice, _, images = library
    data = sample("path.jpg")
    answer = alice.ask(data, sha256=hashlib.sha256(data).hexdigest())
    assert answer.status_code == 200 and answer.json() == {"imageId": images["path.jpg"]["imageId"], "status": "COMPLETED", "duplicate": True}
    # Bob has no such image: he gets a form.
    assert library[1].ask(data, sha256=hashlib.sha256(data).hexdigest()).status_code == 201


def test_the_list_is_the_callers_newest_first_and_its_filters_use_indexes(library):
    alice, bob, images = library
    mine = {images[name]["imageId"] for name in ("path.jpg", "fallen-leaf.jpg", "colorful-cups.jpg", "path-copy", "bad")}
    listed = alice.get("/images", limit=100).json()
    assert {item["imageId"] for item in listed["items"]} == mine and listed.get("cursor") is None
    created = [item["createdAt"] for item in listed["items"]]
    assert created == sorted(created, reverse=True)
    assert all(item["variants"] for item in listed["items"] if item["status"] == "COMPLETED")
    # Page by page through the cursor, the same images in the same order.
    seen, cursor = [], None
    while True:
        page = alice.get("/images", limit=2, **({"cursor": cursor} if cursor else {})).json()
        seen += [item["imageId"] for item in page["items"]]
        cursor = page.get("cursor")
        if not cursor:
            break
    assert seen == [item["imageId"] for item in listed["items"]]
    assert [i["imageId"] for i in alice.get("/images", status="rejected").json()["items"]] == [images["bad"]["imageId"]]
    assert {i["imageId"] for i in alice.get("/images", status="COMPLETED").json()["items"]} == mine - {images["bad"]["imageId"]}
    assert [i["imageId"] for i in alice.get("/images", camera="canon eos 70d").json()["items"]] == [images["fallen-leaf.jpg"]["imageId"]]
    assert alice.get("/images", camera="Canon EOS 70D", status="REJECTED").json()["items"] == []
    # Days from the images' own timestamps (UTC), not the clock: an upload may fall either side of midnight.
    first_day, last_day = (datetime.date.fromisoformat(stamp[:10]) for stamp in (min(created), max(created)))
    assert alice.get("/images", **{"from": str(last_day + datetime.timedelta(days=1))}).json()["items"] == []
    assert alice.get("/images", to=str(first_day - datetime.timedelta(days=1))).json()["items"] == []
    assert len(alice.get("/images", **{"from": str(first_day), "to": str(last_day)}).json()["items"]) == len(mine)
    first = images["path.jpg"]["createdAt"]
    assert images["path.jpg"]["imageId"] not in {i["imageId"] for i in alice.get("/images", **{"from": first[:-5] + "999Z"}).json()["items"]}
    assert [i["imageId"] for i in bob.get("/images").json()["items"]] == [images["bob"]["imageId"]]


def test_bad_queries_are_400_problems_never_500(library):
    alice, bob, _ = library
    problem(alice.get("/images", limit=10000), 400, "bad_limit")
    problem(alice.get("/images", limit="ten"), 400, "bad_limit")
    problem(alice.get("/images", **{"from": "2026-13-45"}), 400, "bad_date")
    problem(alice.get("/images", to="yesterday"), 400, "bad_date")
    problem(alice.get("/images", **{"from": "2026-11-28", "to": "2026-11-27"}), 400, "bad_date")
    problem(alice.get("/images", status="DONE"), 400, "bad_status")
    problem(alice.get("/images", color="red"), 400, "bad_parameter")
    cursor = alice.get("/images", limit=1).json()["cursor"]
    payload, mac = cursor.split(".")
    problem(alice.get("/images", limit=1, cursor=payload + "." + mac[:-2] + ("AA" if mac[-2:] != "AA" else "BB")), 400, "bad_cursor")
    problem(alice.get("/images", limit=1, cursor="x" + cursor), 400, "bad_cursor")
    problem(alice.get("/images", limit=1, cursor="garbage"), 400, "bad_cursor")
    # Another owner's cursor, or the same cursor for other filters, is refused.
    problem(bob.get("/images", limit=1, cursor=cursor), 400, "bad_cursor")
    problem(alice.get("/images", limit=1, status="COMPLETED", cursor=cursor), 400, "bad_cursor")
    problem(alice.get("/images/abc/similar", maxDistance=11), 400, "bad_distance")
    problem(alice.get("/nothing"), 404, "no_route")
    problem(requests.put(alice.api + "/images", headers=alice.headers, timeout=30), 405, "method_not_allowed")


def test_the_authorizer_refuses_bad_tokens_before_the_function_runs(library, stack):
    api = stack["api"]
    assert requests.get(api + "/images", timeout=30).status_code == 401
    token = requests.post(stack["token_url"], json={"sub": "alice"}, timeout=30).json()["token"]
    head, claims, signature = token.split(".")
    forged = json.loads(base64.urlsafe_b64decode(claims + "=="))
    forged["sub"] = "bob"
    forged_claims = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    expired = requests.post(stack["token_url"], json={"sub": "alice", "expiresIn": -10}, timeout=30).json()["token"]
    foreign = requests.post(stack["token_url"], json={"sub": "alice", "audience": "another-app"}, timeout=30).json()["token"]
    for bad in (f"{head}.{forged_claims}.{signature}", expired, foreign, "not-a-token"):
        answer = requests.get(api + "/images", headers={"Authorization": f"Bearer {bad}"}, timeout=30)
        assert answer.status_code == 401, bad


def test_similar_finds_the_reencoded_copy_and_not_the_others(library):
    alice, bob, images = library
    found = alice.get(f"/images/{images['path.jpg']['imageId']}/similar").json()
    ids = {item["imageId"]: item["distance"] for item in found["items"]}
    assert images["path-copy"]["imageId"] in ids and ids[images["path-copy"]["imageId"]] <= 10
    assert images["fallen-leaf.jpg"]["imageId"] not in ids and images["colorful-cups.jpg"]["imageId"] not in ids
    # Bob's copy of the leaf is his: Alice's leaf has no similar image of hers, and Bob's is not found.
    leaf = alice.get(f"/images/{images['fallen-leaf.jpg']['imageId']}/similar").json()["items"]
    assert images["bob"]["imageId"] not in {item["imageId"] for item in leaf}
    problem(alice.get(f"/images/{images['bad']['imageId']}/similar"), 409, "not_completed")


def test_another_user_gets_404_everywhere(library):
    alice, bob, images = library
    theirs = images["path.jpg"]
    problem(bob.get(f"/images/{theirs['imageId']}"), 404, "no_image")
    problem(bob.get(f"/images/{theirs['imageId']}/similar"), 404, "no_image")
    problem(bob.delete(f"/images/{theirs['imageId']}"), 404, "no_image")
    problem(bob.get(f"/uploads/{theirs['uploadId']}"), 404, "no_upload")
    assert alice.get(f"/images/{theirs['imageId']}").status_code == 200


def test_uploads_to_the_bucket_itself_belong_to_the_operator(library, stack):
    alice = library[0]
    stack["s3"].put_object(Bucket=stack["uploads"], Key="uploads/direct/leaf.jpg", Body=sample("fallen-leaf.jpg"), ContentType="image/jpeg")
    operator = Client(stack, stack["operator"])
    deadline = time.time() + 90
    while time.time() < deadline:
        items = operator.get("/images").json()["items"]
        if items and items[0]["status"] == "COMPLETED":
            break
        time.sleep(0.5)
    assert len(items) == 1 and items[0]["status"] == "COMPLETED"
    problem(alice.get(f"/images/{items[0]['imageId']}"), 404, "no_image")
    # Faces found by moderation come with the image, as boxes (the Rekognition double finds two in
    # any key with "faces" in it).
    stack["s3"].put_object(Bucket=stack["uploads"], Key="uploads/direct/faces.jpg", Body=sample("path.jpg"), ContentType="image/jpeg")
    deadline = time.time() + 90
    while time.time() < deadline:
        found = [i for i in operator.get("/images", status="COMPLETED").json()["items"] if i["imageId"] != items[0]["imageId"]]
        if found:
            break
        time.sleep(0.5)
    faces = operator.get(f"/images/{found[0]['imageId']}").json()["faces"]
    assert [round(f["left"], 2) for f in faces] == [0.1, 0.6] and all(0 < f["width"] < 1 and f["confidence"] > 90 for f in faces)


def test_erasing_an_image_leaves_nothing_behind(library, stack):
    alice, bob, images = library
    image = images["path-copy"]
    image_id = image["imageId"]
    record = stack["dynamodb"].get_item(TableName=stack["table"], Key={"imageId": {"S": image_id}})["Item"]
    key = record["source"]["M"]["key"]["S"]
    archive = json.loads(record["job"]["S"])["archive"]["prefix"]
    assert stack["s3"].list_object_versions(Bucket=stack["archive"], Prefix=archive).get("Versions")
    assert alice.delete(f"/images/{image_id}").status_code == 202
    for bucket, prefix in ((stack["uploads"], key), (stack["derived"], f"derived/{image_id}/"), (stack["archive"], archive),
                           (stack["uploads"], f"quarantine/{image_id}/")):
        listed = stack["s3"].list_object_versions(Bucket=bucket, Prefix=prefix)
        assert not listed.get("Versions") and not listed.get("DeleteMarkers"), (bucket, prefix)
    assert "Item" not in stack["dynamodb"].get_item(TableName=stack["table"], Key={"imageId": {"S": image_id}})
    bands = stack["dynamodb"].scan(TableName=stack["similarTable"])["Items"]
    assert bands and image_id not in {item["imageId"]["S"] for item in bands}
    for variant in image["variants"]:
        assert requests.get(variant["url"], timeout=30).status_code == 404
    problem(alice.get(f"/images/{image_id}"), 404, "no_image")
    assert image_id not in {i["imageId"] for i in alice.get("/images").json()["items"]}
    assert image_id not in {i["imageId"] for i in alice.get(f"/images/{images['path.jpg']['imageId']}/similar").json()["items"]}
    # Again: fine for its owner, still nothing for anyone else.
    assert alice.delete(f"/images/{image_id}").status_code == 202
    problem(bob.delete(f"/images/{image_id}"), 404, "no_image")
    # The upload's event delivered again, late (S3 may): the image does not come back.
    deliver_again(stack, record)
    assert "Item" not in stack["dynamodb"].get_item(TableName=stack["table"], Key={"imageId": {"S": image_id}})
    assert image_id not in {i["imageId"] for i in alice.get("/images").json()["items"]}


def test_an_upload_form_yields_one_image_and_a_reposted_one_ends_upload_reused(library, stack):
    """Re-posting a form (S3 keeps each post as a version of the form's key) makes no second image:
    validate's claim refuses it `upload_reused` before anything else runs, and its version leaves
    uploads/. Erasing the first image never touches the refused one's objects, though they shared
    the key."""
    alice = library[0]
    first_bytes, second_bytes = reencoded("colorful-cups.jpg", scale=0.3), reencoded("fallen-leaf.jpg", scale=0.3)
    answer = alice.ask(max(first_bytes, second_bytes, key=len))
    assert answer.status_code == 201, answer.text
    form = answer.json()
    key = form["post"]["fields"]["key"]

    def post(data):
        posted = requests.post(form["post"]["url"], data=form["post"]["fields"], files={"file": ("a.jpg", data, "image/jpeg")}, timeout=30)
        assert posted.status_code == 204, posted.text

    def final_records(count, timeout=90):
        deadline = time.time() + timeout
        while time.time() < deadline:
            items = [i for i in stack["dynamodb"].scan(TableName=stack["table"])["Items"]
                     if i.get("source", {}).get("M", {}).get("key", {}).get("S") == key]
            if len(items) >= count and all(i["status"]["S"] in ("COMPLETED", "REJECTED", "FAILED") for i in items):
                return items
            time.sleep(0.5)
        raise AssertionError(f"{key} did not reach {count} final records; see {stack['log']}")

    post(first_bytes)
    [first] = final_records(1)
    assert first["status"]["S"] == "COMPLETED"
    post(second_bytes)
    items = final_records(2)
    second = next(i for i in items if i["imageId"]["S"] != first["imageId"]["S"])
    assert second["status"]["S"] == "REJECTED" and second["reason"]["S"] == "upload_reused", second
    assert list(second["stages"]["M"]) == ["validate"], "no other stage ran"
    first_version = first["source"]["M"]["versionId"]["S"]

    def kept():
        return [v["VersionId"] for v in stack["s3"].list_object_versions(Bucket=stack["uploads"], Prefix=key).get("Versions", [])
                if v["Key"] == key]
    # The set-aside is settle's, after the record says REJECTED (and its owner's counters are
    # settled): it may land a moment after the status.
    deadline = time.time() + 30
    while kept() != [first_version] and time.time() < deadline:
        time.sleep(0.5)
    assert kept() == [first_version], "the reposted version left uploads/"
    # The claim is the first image's for good: a third post is refused too.
    post(first_bytes)
    third = [i for i in final_records(3) if i["imageId"]["S"] not in (first["imageId"]["S"], second["imageId"]["S"])]
    assert third and third[0]["reason"]["S"] == "upload_reused"
    # The upload's status is its claimant's, not the newest refusal's.
    status = alice.get(f"/uploads/{form['uploadId']}")
    assert status.status_code == 303 and status.json()["imageId"] == first["imageId"]["S"], status.text

    second_id = second["imageId"]["S"]
    set_aside = stack["s3"].list_object_versions(Bucket=stack["uploads"], Prefix=f"quarantine/{second_id}/").get("Versions", [])
    assert set_aside, "the refused version is kept aside for operators, under its own image id"
    assert alice.delete(f"/images/{first['imageId']['S']}").status_code == 202
    assert not [v for v in stack["s3"].list_object_versions(Bucket=stack["uploads"], Prefix=key).get("Versions", []) if v["Key"] == key]
    assert stack["s3"].list_object_versions(Bucket=stack["uploads"], Prefix=f"quarantine/{second_id}/").get("Versions", []) == set_aside
    assert "Item" in stack["dynamodb"].get_item(TableName=stack["table"], Key={"imageId": {"S": second_id}})
