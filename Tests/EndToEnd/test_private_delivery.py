"""Private delivery end to end (docs/api.md, "Private delivery"): the api function signs every
variant and rendition URL as a CloudFront signed URL, the local CloudFront (harness/local_edge.py)
checks them as CloudFront does and caches by path, and an erase invalidates the image's paths
through the CloudFront API (moto), after which the edge no longer answers with its copy. Every
function runs under its own IAM user with only its template policy (--least-privilege), so the
invalidation and the signing key's read are proven to be granted."""
import base64, json, os, stat, subprocess, sys, time
from urllib.parse import parse_qsl, urlsplit

import boto3
import pytest
import requests

from localstack import FIXTURES, ROOT, Client, local_stack

PHOTO = open(os.path.join(FIXTURES, "orientation-1.jpg"), "rb").read()


@pytest.fixture(scope="module")
def stack():
    with local_stack("--cdn", "--least-privilege") as running:
        yield running


@pytest.fixture(scope="module")
def image(stack):
    return Client(stack, "alice").upload(PHOTO)


def query(url):
    return dict(parse_qsl(urlsplit(url).query))


def resign(stack, url, expires):
    """`url` signed again by this test (the cryptography package, not Darkroom's code), with the
    deployment's key read back from Secrets Manager, to expire at `expires`."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding
    secrets = boto3.client("secretsmanager", endpoint_url=stack["endpoint"], region_name=stack["region"],
                           aws_access_key_id=stack["accessKeyId"], aws_secret_access_key=stack["secretAccessKey"])
    pem = secrets.get_secret_value(SecretId="darkroom-delivery-key")["SecretString"]
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    bare = url.split("?")[0]
    policy = json.dumps({"Statement": [{"Resource": bare, "Condition": {"DateLessThan": {"AWS:EpochTime": expires}}}]},
                        separators=(",", ":"))
    signature = base64.b64encode(key.sign(policy.encode(), padding.PKCS1v15(), hashes.SHA1())).decode()
    signature = signature.replace("+", "-").replace("=", "_").replace("/", "~")
    return f"{bare}?Expires={expires}&Signature={signature}&Key-Pair-Id={query(url)['Key-Pair-Id']}"


def test_every_link_is_a_signed_url_of_the_edge_good_for_an_hour_at_least(stack, image):
    assert image["status"] == "COMPLETED"
    now = time.time()
    for variant in image["variants"]:
        url = variant["url"]
        assert url.startswith(stack["edge"] + "/derived/" + image["imageId"] + "/")
        signed = query(url)
        assert set(signed) == {"Expires", "Signature", "Key-Pair-Id"}
        expires = int(signed["Expires"])
        assert now + 3600 - 5 <= expires <= now + 5400 + 5 and expires % 1800 == 0
        assert variant["expiresAt"].startswith(time.strftime("%Y-%m-%dT%H:%M", time.gmtime(expires)))
    for rendition in image["renditions"].values():
        assert rendition["url"].startswith(f"{stack['edge']}/r/{image['imageId']}/") and "Signature=" in rendition["url"]
    # Links given within one step of the rounding are the same URL: a browser's copy holds.
    again = Client(stack, "alice").get(f"/images/{image['imageId']}").json()
    assert [v["url"] for v in again["variants"]] == [v["url"] for v in image["variants"]]


def test_the_edge_serves_a_signed_url_from_its_cache_and_nothing_unsigned(stack, image):
    url = image["variants"][0]["url"]
    first, second = requests.get(url, timeout=30), requests.get(url, timeout=30)
    assert first.status_code == 200 and first.headers["Content-Type"].startswith("image/")
    assert first.headers["Cache-Control"] == "private, max-age=3600"
    assert "sandbox" in first.headers["Content-Security-Policy"]
    assert second.headers["X-Cache"] == "Hit from cloudfront" and second.content == first.content

    bare = url.split("?")[0]
    assert requests.get(bare, timeout=30).status_code == 403
    other = image["variants"][1]["url"].split("?")[0]
    assert requests.get(other + "?" + url.split("?")[1], timeout=30).status_code == 403  # another path, this signature
    assert requests.get(resign(stack, url, int(time.time()) - 1), timeout=30).status_code == 403  # expired
    assert requests.get(resign(stack, url, int(time.time()) + 600), timeout=30).status_code == 200  # the same key, later

    rendition = image["renditions"]["w320"]["url"]
    made = requests.get(rendition, headers={"Accept": "image/webp"}, timeout=60)
    assert made.status_code == 200 and made.headers["Content-Type"] == "image/webp"
    assert made.headers["Cache-Control"] == "private, max-age=3600"
    assert requests.get(rendition.split("?")[0], timeout=30).status_code == 403


def test_an_erase_invalidates_the_images_paths_and_the_edge_drops_its_copies(stack):
    alice = Client(stack, "alice")
    image = alice.upload(PHOTO)  # another form, another image of the same bytes
    variant, rendition = image["variants"][0]["url"], image["renditions"]["w320"]["url"]
    assert requests.get(variant, timeout=30).status_code == 200
    assert requests.get(rendition, headers={"Accept": "image/webp"}, timeout=60).status_code == 200
    assert requests.get(variant, timeout=30).headers["X-Cache"] == "Hit from cloudfront"

    erased = alice.delete(f"/images/{image['imageId']}")
    assert erased.status_code == 202, erased.text
    cdn = erased.json()["cdn"]
    assert cdn["id"] and cdn["status"].lower() in ("inprogress", "completed")  # moto writes COMPLETED
    cloudfront = boto3.client("cloudfront", endpoint_url=stack["endpoint"], region_name="us-east-1",
                              aws_access_key_id=stack["accessKeyId"], aws_secret_access_key=stack["secretAccessKey"])
    batch = cloudfront.get_invalidation(DistributionId=stack["distributionId"], Id=cdn["id"])["Invalidation"]["InvalidationBatch"]
    paths = set(batch["Paths"]["Items"])
    assert paths == {urlsplit(v["url"]).path for v in image["variants"]} | {f"/r/{image['imageId']}/*"}
    assert batch["CallerReference"] == f"erase-{image['imageId']}"

    # The copies the edge held are gone with the originals: not the old bytes, whoever asks.
    assert requests.get(variant, timeout=30).status_code == 403
    assert requests.get(rendition, headers={"Accept": "image/webp"}, timeout=60).status_code == 404
    # Asked again, the erase reports the same invalidation.
    again = alice.delete(f"/images/{image['imageId']}")
    assert again.status_code == 202 and again.json()["cdn"]["id"] == cdn["id"]


def test_make_cdn_key_writes_a_pair_cloudfront_takes_and_never_overwrites_it(tmp_path):
    from cryptography.hazmat.primitives import serialization
    made = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "make-cdn-key"), str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    private_path, public_path = tmp_path / "cdn-private.pem", tmp_path / "cdn-public.pem"
    private = serialization.load_pem_private_key(private_path.read_bytes(), password=None)
    public = serialization.load_pem_public_key(public_path.read_bytes())
    # CloudFront takes RSA 2048 public keys in PEM; the two halves are one pair.
    assert private.key_size == 2048 and public.public_numbers() == private.public_key().public_numbers()
    assert stat.S_IMODE(os.stat(private_path).st_mode) == 0o600
    assert f'CdnPublicKey="$(cat {public_path})"' in made.stdout and f'CdnPrivateKey="$(cat {private_path})"' in made.stdout
    again = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "make-cdn-key"), str(tmp_path)],
                           capture_output=True, text=True, timeout=120)
    assert again.returncode != 0 and private_path.read_bytes() == private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def test_an_invalidation_that_failed_is_asked_again_by_the_reconciler(stack):
    """CloudFront refusing an erase's invalidation (too many in progress, say) leaves the erase
    standing and the note marked; the reconcile function, on its schedule, asks again for every
    path of the image, and the edge drops its copies."""
    import urllib.request
    alice = Client(stack, "alice")
    image = alice.upload(PHOTO)
    variant = image["variants"][0]["url"]
    assert requests.get(variant, timeout=30).status_code == 200  # the edge holds a copy

    def rules(function, rules):
        request = urllib.request.Request(f"{stack['proxies'][function]}/__rules", data=json.dumps(rules).encode(), method="POST")
        urllib.request.urlopen(request, timeout=10).read()

    rules("api", {"/invalidation": -1})  # every CloudFront invalidation of the api function fails
    try:
        erased = alice.delete(f"/images/{image['imageId']}")
    finally:
        rules("api", {})
    assert erased.status_code == 202 and erased.json()["cdn"] == {"status": "failed"}, erased.text
    assert requests.get(variant, timeout=30).headers["X-Cache"] == "Hit from cloudfront", "the edge still has it"

    answer = stack["lambda"].invoke(FunctionName="reconcile", Payload=b"{}")
    assert "FunctionError" not in answer, answer["Payload"].read()
    entries = [e for e in json.loads(answer["Payload"].read())["entries"] if e["imageId"] == image["imageId"]]
    assert entries == [{"imageId": image["imageId"], "key": "", "found": "ERASED", "action": "invalidated", "restarts": 0}]
    assert requests.get(variant, timeout=30).status_code == 403
    again = alice.delete(f"/images/{image['imageId']}").json()["cdn"]
    assert again["id"]
    cloudfront = boto3.client("cloudfront", endpoint_url=stack["endpoint"], region_name="us-east-1",
                              aws_access_key_id=stack["accessKeyId"], aws_secret_access_key=stack["secretAccessKey"])
    batch = cloudfront.get_invalidation(DistributionId=stack["distributionId"], Id=again["id"])["Invalidation"]["InvalidationBatch"]
    assert set(batch["Paths"]["Items"]) == {f"/derived/{image['imageId']}/*", f"/r/{image['imageId']}/*"}
    # A second pass finds nothing left to ask for.
    later = json.loads(stack["lambda"].invoke(FunctionName="reconcile", Payload=b"{}")["Payload"].read())
    assert not [e for e in later["entries"] if e["imageId"] == image["imageId"]]
