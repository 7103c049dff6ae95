"""Renditions end to end (docs/renditions.md): the real `api` function signs them, the real
`render` function behind its local function URL makes them, reading its key from Secrets Manager
(moto, signatures checked) and its sources from S3; requests and boto3 are the clients."""
import base64, hashlib, hmac, io, json, subprocess, time

import pytest
import requests
from PIL import Image

from localstack import ROOT, Client, local_stack

SAMPLES = f"{ROOT}/samples"


@pytest.fixture(scope="module")
def stack():
    with local_stack() as running:
        yield running


@pytest.fixture(scope="module")
def photos(stack):
    alice, bob = Client(stack, "alice"), Client(stack, "bob")
    path = alice.upload(open(f"{SAMPLES}/path.jpg", "rb").read(), filename="path.jpg")
    leaf = bob.upload(open(f"{SAMPLES}/fallen-leaf.jpg", "rb").read(), filename="leaf.jpg")
    assert path["status"] == leaf["status"] == "COMPLETED"
    return alice, bob, path, leaf


def secret(stack):
    import boto3
    return boto3.client("secretsmanager", endpoint_url=stack["endpoint"], region_name=stack["region"],
                        aws_access_key_id=stack["accessKeyId"], aws_secret_access_key=stack["secretAccessKey"])


def signed(key, options, image_id):
    """A rendition path signed as the API signs it, by this test's own HMAC (not Darkroom's code)."""
    rest = "/" + "/".join(options + [image_id])
    signature = base64.urlsafe_b64encode(hmac.new(key.encode(), rest.encode(), hashlib.sha256).digest()).rstrip(b"=").decode()
    return f"/{image_id.split('.')[0]}/{signature}{rest}"


def picture(response):
    return Image.open(io.BytesIO(response.content))


def problem(response, status, code):
    assert response.status_code == status, (response.status_code, response.text[:300])
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == code


def test_every_preset_renders_at_the_size_the_api_says(photos):
    alice, _, path, _ = photos
    renditions = path["renditions"]
    assert {"w320", "w640", "square", "card"} <= set(renditions)
    for name, rendition in renditions.items():
        answer = requests.get(rendition["url"], headers={"Accept": "image/webp,*/*"}, timeout=60)
        assert answer.status_code == 200, (name, answer.text[:200])
        assert answer.headers["Content-Type"] == "image/webp" and answer.headers["Vary"] == "Accept"
        assert "immutable" in answer.headers["Cache-Control"] and "s-maxage=31536000" in answer.headers["Cache-Control"]
        assert picture(answer).size == (rendition["width"], rendition["height"]), name


def test_auto_follows_accept(photos):
    _, _, path, _ = photos
    url = path["renditions"]["w480"]["url"]
    for accept, content_type, image_format in [("image/avif,image/webp,*/*", "image/avif", None), ("image/webp", "image/webp", "WEBP"),
                                               ("*/*", "image/jpeg", "JPEG"), ("", "image/jpeg", "JPEG")]:
        answer = requests.get(url, headers={"Accept": accept}, timeout=60)
        assert answer.status_code == 200 and answer.headers["Content-Type"] == content_type, accept
        if image_format:
            assert picture(answer).format == image_format and picture(answer).size == (480, 300)
        else:
            assert answer.content[4:12] == b"ftypavif"


def test_a_request_the_large_variant_covers_reads_it_and_not_the_original(stack, photos):
    alice, _, path, _ = photos
    proxy = stack["proxies"]["render"]
    large = next(v for v in path["variants"] if v["name"] == "large" and v["format"] == "jpeg")
    cases = [({"width": 1000, "format": "jpeg"}, "large"), ({"width": 1800, "format": "jpeg"}, "original")]
    for ask, source in cases:
        before = len(requests.get(f"{proxy}/__paths", timeout=10).json())
        created = alice.stack and requests.post(f"{alice.api}/images/{path['imageId']}/renditions", json=ask, headers=alice.headers, timeout=30)
        assert created.status_code == 201, created.text
        answer = requests.get(created.json()["url"], timeout=60)
        assert answer.status_code == 200 and picture(answer).size == (created.json()["width"], created.json()["height"])
        gets = [p for m, p in requests.get(f"{proxy}/__paths", timeout=10).json()[before:] if m == "GET" and "darkroom-" in p]
        reads = [p for p in gets if "/derived/" in p or "/uploads/" in p or "/archive/" in p]
        if source == "large":
            assert len(reads) == 1 and large["url"].split("?")[0].rsplit("/", 1)[-1] in reads[0] and "/uploads/" not in reads[0], reads
        else:
            assert len(reads) == 1 and "/uploads/" in reads[0] and "versionId=" in reads[0], reads


def test_arbitrary_sizes_fit_exactly_and_crops_are_exact(photos):
    alice, _, path, _ = photos
    for ask, expected in [({"width": 333, "height": 777}, (333, 208)), ({"height": 123}, (197, 123)),
                          ({"width": 5000 // 2, "height": 0}, (2500, 1563)), ({"width": 200, "height": 200, "fit": "cover"}, (200, 200)),
                          ({"width": 640, "height": 100, "fit": "cover"}, (640, 100))]:
        big = ask.get("width") == 2500
        created = requests.post(f"{alice.api}/images/{path['imageId']}/renditions", json=dict(ask, format="jpeg" if big else "png"),
                                headers=alice.headers, timeout=30)
        assert created.status_code == 201, created.text
        answer = requests.get(created.json()["url"], timeout=60)
        assert answer.status_code == 200 and picture(answer).size == expected == (created.json()["width"], created.json()["height"]), ask
    # Past what a buffered function URL response carries (a 2500 px PNG of a photo): 413, said plainly.
    created = requests.post(f"{alice.api}/images/{path['imageId']}/renditions", json={"width": 2500, "format": "png"},
                            headers=alice.headers, timeout=30)
    problem(requests.get(created.json()["url"], timeout=60), 413, "rendition_too_large")


def test_signatures_and_the_key_rotation(stack, photos):
    _, _, path, _ = photos
    sm = secret(stack)
    old_key = sm.get_secret_value(SecretId=stack["renditionKeySecret"])["SecretString"]
    url = path["renditions"]["w320"]["url"]
    base = stack["render"]
    assert url.startswith(base + "/")
    # The API's URL is this test's own HMAC of the path under the key in Secrets Manager; it names
    # the preset and the stored variant set's version.
    # /{imageId}/{signature}/{options...}/{imageId}: the image leads, for the erase's invalidation.
    assert url[len(base):].split("/")[1] == path["imageId"]
    segments = url[len(base):].split("/")[3:-1]
    assert segments[0] == "pr:w320" and segments[1].startswith("v:") and len(segments) == 2
    assert url[len(base):] == signed(old_key, segments, path["imageId"])
    problem(requests.get(url.replace("pr:w320", "pr:w640"), timeout=30), 403, "bad_signature")
    problem(requests.get(f"{base}/pr:w320/{path['imageId']}", timeout=30), 403, "bad_signature")
    problem(requests.get(base + signed("another deployment's key, long enough to be one", ["pr:w320"], path["imageId"]), timeout=30),
            403, "bad_signature")
    # Rotation: a new current key; the old one becomes AWSPREVIOUS and its URLs still work, and a URL
    # signed with the new key works on a function that started before the rotation.
    new_key = "the rotated rendition key, forty-eight characters long!"
    sm.put_secret_value(SecretId=stack["renditionKeySecret"], SecretString=new_key)
    assert requests.get(url, timeout=60).status_code == 200
    time.sleep(1.1)  # the function reads its keys again at most once a second here (30 s by default)
    answer = requests.get(base + signed(new_key, ["pr:w640"], path["imageId"]), timeout=60)
    assert answer.status_code == 200 and picture(answer).size == (640, 400)
    problem(requests.get(base + signed("a key that was never current, but long", ["pr:w640"], path["imageId"]), timeout=30),
            403, "bad_signature")


def test_other_owners_erased_and_unfinished_images_are_404(stack, photos):
    alice, bob, path, leaf = photos
    problem(requests.post(f"{alice.api}/images/{leaf['imageId']}/renditions", json={"width": 100}, headers=alice.headers, timeout=30),
            404, "no_image")
    problem(requests.post(f"{alice.api}/images/{path['imageId']}/renditions", json={"width": 99999}, headers=alice.headers, timeout=30),
            400, "out_of_policy")
    key = secret(stack).get_secret_value(SecretId=stack["renditionKeySecret"])["SecretString"]
    problem(requests.get(stack["render"] + signed(key, ["pr:w320"], "0" * 32), timeout=30), 404, "not_found")
    problem(requests.get(stack["render"] + signed(key, ["rs:fit:9000:0"], path["imageId"]), timeout=30), 400, "out_of_policy")
    problem(requests.get(stack["render"] + signed(key, ["pr:w320", "x:1"], path["imageId"]), timeout=30), 400, "bad_options")
    url = bob.get(f"/images/{leaf['imageId']}").json()["renditions"]["w320"]["url"]
    assert requests.get(url, timeout=60).status_code == 200
    assert bob.delete(f"/images/{leaf['imageId']}").status_code in (202, 204)
    # Nothing renders it again, whether the variants are gone yet or not.
    problem(requests.get(url, timeout=60), 404, "not_found")


def test_the_edge_function_normalises_accept_as_the_origin_reads_it():
    """template.yaml's CloudFront Function, run by Node.js, against FormatNegotiation's table."""
    from samtranslator.yaml_helper import yaml_parse
    code = yaml_parse(open(f"{ROOT}/template.yaml").read())["Resources"]["AcceptNormaliser"]["Properties"]["FunctionCode"]
    cases = [("/r/s/pr:w320/abc", "image/avif,image/webp,image/apng,*/*;q=0.8", "image/avif,image/webp"),
             ("/r/s/pr:w320/abc", "image/webp,*/*", "image/webp"), ("/r/s/pr:w320/abc", "image/avif", "image/avif"),
             ("/r/s/pr:w320/abc", "text/html, image/webp;q=0", ""), ("/r/s/pr:w320/abc", None, ""),
             ("/r/s/pr:w320/abc", "image/webp;q=x, image/avif;q=0.0", "image/webp"),
             ("/r/s/pr:w320/abc.webp", "image/avif,image/webp", "")]
    script = code + "\nvar cases = " + json.dumps(cases) + ";\n" + """
cases.forEach(function (c) {
  var headers = c[1] === null ? {} : {accept: {value: c[1]}};
  var out = handler({request: {uri: c[0], headers: headers}});
  console.log(JSON.stringify(out.headers.accept.value));
});"""
    output = subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True).stdout.split("\n")
    assert [json.loads(line) for line in output if line] == [expected for _, _, expected in cases]
