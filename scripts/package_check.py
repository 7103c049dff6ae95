#!/usr/bin/env python3
"""Runs each packaged function from its zip (and, for the pixel stages, the layer) alone, in an
empty Debian root with chroot, against the local Runtime API and a local AWS, and checks that it
answers an invocation. Used by scripts/package."""
import argparse, contextlib, json, os, shutil, signal, subprocess, sys, threading, zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "harness"))
import local_api  # noqa: E402
import local_function_url  # noqa: E402
import local_aws  # noqa: E402
import local_stack  # noqa: E402
from local_lambda import Function, LambdaHost  # noqa: E402

PIXEL = {"validate", "metadata", "resize", "thumbnail", local_stack.RENDER}
FUNCTIONS = local_stack.FUNCTIONS + [local_stack.RECONCILE, local_stack.SETTLE, local_stack.API, local_stack.RENDER]
# Formats the layer treats specially, each run through the stages that read pixels: HEIC (its HEIF
# module is opened on the first one) and a JPEG-compressed TIFF (the layer builds its own libtiff).
OPERATOR = "package-check-operator"
SPECIAL = {"HEIC": "quadrants.heic", "TIFF": "quadrants-jpeg.tif"}
CHECKS = [f"{name}.zip" for name in FUNCTIONS] + [f"{name}.zip ({kind})" for kind in SPECIAL for name in ("validate", "metadata", "resize")]


def unzip(archive, target):
    # zipfile drops the executable bit; put it back from the archive's Unix mode.
    with zipfile.ZipFile(archive) as z:
        for info in z.infolist():
            path = z.extract(info, target)
            mode = info.external_attr >> 16
            if mode:
                os.chmod(path, mode)


@contextlib.contextmanager
def mounted(rootfs):
    """/dev and /proc of this machine bound into the root while the checks run, and unbound on every
    way out (a failure, Ctrl-C, SIGTERM). Mounts an interrupted run left behind are undone first."""
    targets = [os.path.join(rootfs, folder) for folder in ("dev", "proc")]
    for target in targets:
        if os.path.ismount(target):
            subprocess.call(["umount", "--lazy", target])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        for target in targets:
            subprocess.check_call(["mount", "--bind", "/" + os.path.basename(target), target])
        yield
    finally:
        for target in reversed(targets):
            if os.path.ismount(target) and subprocess.call(["umount", target]) != 0:
                subprocess.call(["umount", "--lazy", target])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rootfs", required=True)
    parser.add_argument("--package", required=True)
    args = parser.parse_args()
    rootfs, package = os.path.abspath(args.rootfs), os.path.abspath(args.package)

    for folder in ("fn", "opt"):
        shutil.rmtree(os.path.join(rootfs, folder), ignore_errors=True)
    unzip(os.path.join(package, "libvips-layer.zip"), os.path.join(rootfs, "opt"))
    for name in FUNCTIONS:
        unzip(os.path.join(package, f"{name}.zip"), os.path.join(rootfs, "fn", name))
    with mounted(rootfs):
        sys.exit(check(rootfs, package))


def check(rootfs, package):
    """Runs every check against the unpacked functions; 0 when each answered."""
    import boto3
    moto, endpoint, key, secret = local_aws.start_moto()
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name=local_aws.REGION, aws_access_key_id=key, aws_secret_access_key=secret)
    double = local_aws.ThreadingHTTPServer(("127.0.0.1", 0), local_aws.make_double(local_aws.Verifier(key, secret), s3))
    threading.Thread(target=double.serve_forever, daemon=True).start()
    resources = local_stack.create_resources(endpoint, key, secret)
    environment = {
        "AWS_REGION": local_aws.REGION, "AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret, "AWS_ENDPOINT_URL": endpoint,
        "AWS_ENDPOINT_URL_REKOGNITION": f"http://127.0.0.1:{double.server_address[1]}", "DARKROOM_TABLE": local_stack.TABLE,
        "DARKROOM_DERIVED_BUCKET": local_stack.DERIVED, "DARKROOM_ARCHIVE_BUCKET": local_stack.ARCHIVE,
        "DARKROOM_TOPIC_ARN": resources["topicArn"], "DARKROOM_MODERATION": "rekognition", "VIPS_WARNING": "0",
    }
    host = LambdaHost()
    for name in FUNCTIONS:
        # Nothing from this machine's /usr: the function's own lib/, and the layer for pixel stages.
        paths = f"/fn/{name}/lib" + (":/opt/lib" if name in PIXEL else "")
        env = dict(environment, LD_LIBRARY_PATH=paths, LAMBDA_TASK_ROOT=f"/fn/{name}", PATH="/usr/bin:/bin",
                   DARKROOM_UPLOADS_BUCKET=local_stack.UPLOADS,
                   DARKROOM_STATE_MACHINE_ARN=f"arn:aws:states:{local_aws.REGION}:123456789012:stateMachine:darkroom-pipeline",
                   DARKROOM_SIMILAR_TABLE=local_stack.SIMILAR, DARKROOM_API_SECRET_ID=resources["apiSecretArn"],
                   DARKROOM_OPERATOR_SUBJECT=OPERATOR, DARKROOM_RENDITION_KEY_SECRET=resources["renditionKeySecret"])
        host.add(Function(name, environment=env, command=[shutil.which("chroot") or "/usr/sbin/chroot", rootfs, f"/fn/{name}/bootstrap"], timeout=120))
    host.start()

    results = {}
    try:
        def upload(path, key):
            s3.upload_file(path, local_stack.UPLOADS, key)
            # As EventBridge describes the upload: with its size and ETag, from which the image id is made
            # (the reconciler below finds the same id from the listing).
            head = s3.head_object(Bucket=local_stack.UPLOADS, Key=key)
            return {"source": "aws.s3", "detail-type": "Object Created",
                    "detail": {"bucket": {"name": local_stack.UPLOADS},
                               "object": {"key": key, "size": head["ContentLength"], "etag": head["ETag"].strip('"')}}}

        def call(name, payload, check, kind=None):
            _, body, error = host.functions[name].invoke(json.dumps(payload).encode())
            answer = json.loads(body or b"null")
            ok = error is None and check(answer)
            results[f"{name}.zip ({kind})" if kind else f"{name}.zip"] = "answers" if ok else f"FAILED: {error or ''} {json.dumps(answer)[:300]}"
            return answer

        event = upload(os.path.join(os.path.dirname(HERE), "samples", "path.jpg"), "uploads/packaged/path.jpg")
        job = call("validate", event, lambda a: a.get("format") == "jpeg")
        job = call("metadata", job, lambda a: a.get("metadata", {}).get("width") == 2560)
        resized = call("resize", job, lambda a: any(v["name"] == "large" for v in a.get("variants", [])))
        thumbnails = call("thumbnail", job, lambda a: any(v["name"] == "square" for v in a.get("variants", [])))
        moderated = call("moderate", job, lambda a: a.get("moderation", {}).get("status") == "passed")
        call("archive", [resized, thumbnails, moderated], lambda a: bool(a.get("archive", {}).get("keys")))
        # A dry pass: the upload above is done, so it reads the listing and finds nothing lost.
        call("reconcile", {"dryRun": True, "stuckAfterSeconds": 0}, lambda a: a.get("uploadsChecked") == 1 and a.get("entries") == [])
        # The catch path, as the state machine hands it on when a first stage failed for good.
        caught = dict(event, detail=dict(event["detail"], object=dict(event["detail"]["object"], key="uploads/packaged/failed.jpg")),
                      error={"Error": "Darkroom.Fault", "Cause": "the package check"})
        call("settle", caught, lambda a: a.get("source", {}).get("key") == "uploads/packaged/failed.jpg")
        # The HTTP API as API Gateway calls it: the operator's list holds the image archived above (the
        # function reads the table's index and signs its variants' URLs).
        def listed(answer):
            items = json.loads(answer.get("body") or "{}").get("items", []) if answer.get("statusCode") == 200 else []
            return any(i["imageId"] == job["imageId"] and i["status"] == "COMPLETED" and i["variants"] for i in items)
        call("api", local_api.payload_event("GET", "/v1/images", "", {}, b"", {"sub": OPERATOR}), listed)
        # A rendition of it, as CloudFront's origin request reaches the function URL: signed with the
        # key the function read from Secrets Manager at its start.
        import base64, hashlib, hmac
        secrets_manager = boto3.client("secretsmanager", endpoint_url=endpoint, region_name=local_aws.REGION,
                                       aws_access_key_id=key, aws_secret_access_key=secret)
        rendition_key = secrets_manager.get_secret_value(SecretId=resources["renditionKeySecret"])["SecretString"]
        signed = f"/pr:w320/{job['imageId']}"
        signature = base64.urlsafe_b64encode(hmac.new(rendition_key.encode(), signed.encode(), hashlib.sha256).digest()).rstrip(b"=")
        call("render", local_function_url.url_event("GET", f"/r/{job['imageId']}/{signature.decode()}{signed}", "", {"accept": "image/webp"}, b""),
             lambda a: a.get("statusCode") == 200 and (a.get("headers") or {}).get("Content-Type") == "image/webp")
        for kind, fixture in SPECIAL.items():
            event = upload(os.path.join(os.path.dirname(HERE), "Tests", "Fixtures", fixture), f"uploads/packaged/{fixture}")
            job = call("validate", event, lambda a: a.get("format") == kind.lower(), kind)
            job = call("metadata", job, lambda a: a.get("metadata", {}).get("width", 0) > 0, kind)
            call("resize", job, lambda a: any(v["name"] == "large" for v in a.get("variants", [])), kind)
    finally:
        host.stop()
        double.shutdown()
        moto.shutdown()
    for name in CHECKS:
        print(f"{name:22} {results.get(name, 'not reached')}")
    return 0 if all(results.get(name) == "answers" for name in CHECKS) else 1


if __name__ == "__main__":
    main()
