"""Least privilege, proven: every function runs under its own IAM user whose only policy is that
function's policy from template.yaml (references resolved to the local resources), with moto
enforcing IAM on every request. The pipeline still completes, rejects and quarantines, so the
template's permissions suffice; and a function's key cannot do another stage's work."""
import os

import boto3
import pytest

import requests

from localstack import FIXTURES, ROOT, Client, deliver_again, local_stack, record_for


@pytest.fixture(scope="module")
def stack():
    with local_stack("--least-privilege") as stack:
        yield stack


def test_the_template_policies_suffice(stack):
    uploads = {"uploads/lp/photo.jpg": ("orientation-6.jpg", "COMPLETED"), "uploads/lp/bad.pdf": ("document.pdf", "REJECTED"),
               "uploads/lp/unsafe.jpg": ("orientation-1.jpg", "QUARANTINED")}
    for key, (fixture, _) in uploads.items():
        stack["s3"].upload_file(os.path.join(FIXTURES, fixture), stack["uploads"], key)
    for key, (_, status) in uploads.items():
        item = record_for(stack, key)
        assert item["status"]["S"] == status, f"{key}: {item['status']['S']} {item.get('detail', {}).get('S', '')}"
    photo = record_for(stack, "uploads/lp/photo.jpg")
    derived = stack["s3"].list_objects_v2(Bucket=stack["derived"], Prefix=f"derived/{photo['imageId']['S']}/").get("Contents", [])
    assert len(derived) == 6


def test_each_function_holds_only_its_own_policy(stack):
    users = {u["UserName"]: u for u in stack["iam"].list_users()["Users"]}
    assert {f"darkroom-{n}" for n in ("validate", "metadata", "resize", "thumbnail", "moderate", "archive", "api")} <= set(users)
    # The validate user's key may read uploads but may not publish a variant.
    key = stack["iam"].create_access_key(UserName="darkroom-validate")["AccessKey"]
    validate = boto3.client("s3", endpoint_url=stack["endpoint"], region_name=stack["region"],
                            aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    validate.get_object(Bucket=stack["uploads"], Key="uploads/lp/photo.jpg")
    with pytest.raises(Exception) as refused:
        validate.put_object(Bucket=stack["derived"], Key="derived/x/large.jpg", Body=b"x")
    assert "AccessDenied" in str(refused.value)
    with pytest.raises(Exception):
        validate.get_object(Bucket=stack["archive"], Key="archive/anything")
    # Its DynamoDB and SNS rights name one table and one topic.
    session = dict(endpoint_url=stack["endpoint"], region_name=stack["region"],
                   aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    dynamodb, sns = boto3.client("dynamodb", **session), boto3.client("sns", **session)
    dynamodb.get_item(TableName=stack["table"], Key={"imageId": {"S": "nothing"}})
    with pytest.raises(Exception) as denied:
        dynamodb.get_item(TableName="someone-elses-table", Key={"imageId": {"S": "x"}})
    assert "AccessDenied" in str(denied.value) or "403" in str(denied.value)
    with pytest.raises(Exception) as denied:
        dynamodb.scan(TableName=stack["table"])
    assert "AccessDenied" in str(denied.value) or "403" in str(denied.value)
    with pytest.raises(Exception) as denied:
        sns.publish(TopicArn=stack["topicArn"].replace("darkroom-outcomes", "other-topic"), Message="m")
    assert "AccessDenied" in str(denied.value) or "AuthorizationError" in str(denied.value)


def test_the_api_works_under_its_own_policy_and_no_wider(stack):
    """The api function's key signs the forms and URLs it hands out, so S3 (here moto, through the
    S3 double) authorizes them by its policy too: an upload, its variants, the lists, similar and
    erase all work under it; a stage's bucket areas do not."""
    alice = Client(stack, "alice")
    photo = open(os.path.join(ROOT, "samples", "path.jpg"), "rb").read()
    image = alice.upload(photo, filename="path.jpg")
    assert image["status"] == "COMPLETED"
    assert all(requests.get(v["url"], timeout=30).status_code == 200 for v in image["variants"])
    # The render function under its own policy (and RenderReadsUploads): from the large variant, then
    # from the pinned original, its key read from its one secret.
    for name in ("w640", "w1920"):
        assert requests.get(image["renditions"][name]["url"], timeout=60).status_code == 200, name
    assert [i["imageId"] for i in alice.get("/images", status="COMPLETED").json()["items"]] == [image["imageId"]]
    assert alice.get(f"/images/{image['imageId']}/similar").json()["items"] == []
    record = stack["dynamodb"].get_item(TableName=stack["table"], Key={"imageId": {"S": image["imageId"]}})["Item"]
    assert alice.delete(f"/images/{image['imageId']}").status_code == 202
    assert alice.get(f"/images/{image['imageId']}").status_code == 404
    deliver_again(stack, record)  # validate may remove the record it opened for an erased image
    assert "Item" not in stack["dynamodb"].get_item(TableName=stack["table"], Key={"imageId": {"S": image["imageId"]}})
    key = stack["iam"].create_access_key(UserName="darkroom-api")["AccessKey"]
    api = boto3.client("s3", endpoint_url=stack["endpoint"], region_name=stack["region"],
                       aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    for denied in (lambda: api.put_object(Bucket=stack["uploads"], Key="uploads/elsewhere.jpg", Body=b"x"),
                   lambda: api.put_object(Bucket=stack["derived"], Key="derived/x/large.jpg", Body=b"x"),
                   lambda: api.get_object(Bucket=stack["archive"], Key="archive/anything")):
        with pytest.raises(Exception) as refused:
            denied()
        assert "AccessDenied" in str(refused.value)
