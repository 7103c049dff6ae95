#!/usr/bin/env python3
"""Signs generated requests with botocore, an implementation Darkroom did not write, and prints
one JSON object per line: the request as Darkroom's signer takes it and botocore's signature.

Used by Tests/AWSClientTests/SigV4BotocoreTests.swift:  sigv4-vectors.py COUNT SEED
"""
import datetime, hashlib, json, random, sys
from unittest import mock
from urllib.parse import quote

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

COUNT = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
NOW = datetime.datetime(2026, 11, 26, 12, 34, 56)

KEY_PARTS = ["photo", "my file", "a+b", "x=y", "tilde~", "100%", "é", "日本", "😀", "dir/", "a//b", "trailing/",
             "(1)", "it's", "semi;colon", "comma,", "star*", "hash#", "q?", "&amp", "$dollar", "@at", "[b]", "^caret"]
QUERY_KEYS = ["prefix", "max-keys", "continuation-token", "delimiter", "list-type", "uploadId", "partNumber",
              "x-id", "response-content-type", "weird key", "ключ"]


def key():
    parts = [rng.choice(KEY_PARTS) for _ in range(rng.randint(1, 5))]
    text = "".join(parts)
    if rng.random() < 0.1:
        text = text + "x" * rng.randint(200, 900)  # long keys
    if rng.random() < 0.05:
        text = "/" + text  # a leading slash in the key: '//' in the path
    return text


def query():
    names = rng.sample(QUERY_KEYS, rng.randint(0, 4))
    return [[n, rng.choice(["", "2", "a b", "a+b", "x=y&z", "~-._", "ü", "/slash/", "1000"])] for n in names]


def headers():
    result = []
    if rng.random() < 0.5:
        result.append(["Content-Type", rng.choice(["image/jpeg", "application/json", "text/plain; charset=utf-8"])])
    if rng.random() < 0.4:
        result.append(["x-amz-meta-note", rng.choice(["a   b", " padded ", "ünïcode", "x"])])
    if rng.random() < 0.2:
        result.append(["Range", "bytes=0-%d" % rng.randint(1, 9999)])
    if rng.random() < 0.2:
        result.append(["Cache-Control", "public, max-age=31536000"])
    return result


with mock.patch.object(botocore.auth, "get_current_datetime", return_value=NOW):
    for index in range(COUNT):
        region = rng.choice(["us-east-1", "eu-west-1", "ap-southeast-2"])
        token = rng.choice([None, None, "FQoGZXIvYXdzE" + "A" * rng.randint(10, 200) + "/+="])
        creds = Credentials("AKIDDIFFERENTIAL%d" % index, "secret/" + str(rng.random()), token)
        kind = rng.choice(["header", "header", "presign", "generic"])
        method = rng.choice(["GET", "PUT", "HEAD", "DELETE", "POST"]) if kind != "presign" else rng.choice(["GET", "PUT"])
        body = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 64))) if method in ("PUT", "POST") and kind != "presign" else b""
        if kind == "generic":
            service = rng.choice(["dynamodb", "sns", "rekognition"])
            host = "%s.%s.amazonaws.com" % (service, region)
            path = rng.choice(["/", "/a/b", "/2015-03-31/functions/x/invocations"])
        else:
            service = "s3"
            bucket = rng.choice(["darkroom-uploads", "my.bucket", "b-1"])
            if rng.random() < 0.5:
                host, path = "%s.s3.%s.amazonaws.com" % (bucket, region), "/" + key()
            else:
                host, path = "127.0.0.1:%d" % rng.choice([5000, 4566, 9000]), "/%s/%s" % (bucket, key())
        q = query()
        h = headers()
        url = "http://%s%s" % (host, quote(path, safe="/~"))
        request = AWSRequest(method=method, url=url, headers=dict(h), data=body, params=dict(q))
        if kind == "presign":
            expires = rng.choice([60, 3600, 604800])
            botocore.auth.S3SigV4QueryAuth(creds, service, region, expires=expires).add_auth(request)
            signature = request.url.split("X-Amz-Signature=")[1]
            payload = "UNSIGNED-PAYLOAD"
        else:
            expires = None
            signer = botocore.auth.S3SigV4Auth if service == "s3" else botocore.auth.SigV4Auth
            signer(creds, service, region).add_auth(request)
            signature = request.headers["Authorization"].split("Signature=")[1]
            payload = hashlib.sha256(body).hexdigest()
        print(json.dumps({
            "kind": kind, "service": service, "region": region, "method": method, "host": host, "path": path,
            "query": q, "headers": h, "payload_hash": payload, "access_key": creds.access_key,
            "secret_key": creds.secret_key, "token": token, "expires": expires, "time": "20261126T123456Z",
            "signature": signature,
        }))
