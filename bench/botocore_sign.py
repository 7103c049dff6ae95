"""botocore's SigV4 rate on the same request shape as `darkroom sign-bench`."""
import datetime, sys, time
from unittest import mock

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

count = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
credentials = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session-token")
signer = botocore.auth.S3SigV4Auth(credentials, "s3", "us-east-1")
with mock.patch.object(botocore.auth, "get_current_datetime", return_value=datetime.datetime(2026, 11, 18)):
    started = time.perf_counter()
    for index in range(count):
        request = AWSRequest(method="PUT", url=f"https://darkroom-derived.s3.us-east-1.amazonaws.com/derived/{index}/large%20photo%2B1.jpg",
                             headers={"Content-Type": "image/jpeg", "Cache-Control": "public, max-age=31536000, immutable",
                                      "X-Amz-Content-SHA256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"})
        signer.add_auth(request)
    seconds = time.perf_counter() - started
print(f"{count / seconds:.0f} signatures/s")
