"""The harness's S3 double reads POST-policy conditions as Tests/Conformance/post-policy/cases.json
says S3 does; darkroom serve's checker is held to the same table in Swift (LocalFrontTests)."""
import json, os, sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "harness"))
from post_policy import policy_conditions_problem  # noqa: E402

with open(os.path.join(ROOT, "Tests/Conformance/post-policy/cases.json")) as file:
    CASES = json.load(file)["cases"]


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_the_double_answers_each_case_as_s3_does(case):
    lower = {name.lower(): value for name, value in case["fields"].items()}
    problem = policy_conditions_problem(case["conditions"], lower, "photos", case["size"])
    assert (None if problem is None else list(problem[:2])) == case["answer"]
