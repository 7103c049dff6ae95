"""S3 POST-policy conditions as S3 reads them."""
import json


def policy_conditions_problem(conditions, lower, bucket, size):
    """What S3 would refuse a form for by its policy's conditions (None when they hold): `{"name":
    "value"}` and `["eq", "$name", "value"]` exactly, `["starts-with", "$name", "prefix"]` by prefix,
    `["content-length-range", low, high]` on the file, and no field the policy does not name.
    darkroom serve's checker (LocalUploadForms) is held to the same table:
    Tests/Conformance/post-policy/cases.json."""
    covered = {"policy", "x-amz-signature", "file"}
    values = dict(lower, bucket=bucket)
    for condition in conditions:
        if isinstance(condition, dict):
            (name, value), = condition.items()
            name = name.lower()
            covered.add(name)
            if values.get(name) != value:
                return 403, "AccessDenied", f"Invalid according to Policy: Policy Condition failed: [\"eq\", \"${name}\", \"{value}\"]"
        elif condition[0] == "content-length-range":
            if size < int(condition[1]):
                return 400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size"
            if size > int(condition[2]):
                return 400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size"
        elif condition[0] in ("eq", "starts-with"):
            name = condition[1].lstrip("$").lower()
            covered.add(name)
            value = values.get(name, "")
            if (condition[0] == "eq" and value != condition[2]) or (condition[0] == "starts-with" and not value.startswith(condition[2])):
                return 403, "AccessDenied", f"Invalid according to Policy: Policy Condition failed: {json.dumps(condition)}"
        else:
            return 400, "InvalidPolicyDocument", f"Invalid Policy: unknown condition {condition[0]}."
    extra = [name for name in lower if name not in covered and not name.startswith("x-ignore-")]
    if extra:
        return 403, "AccessDenied", f"Invalid according to Policy: Extra input fields: {extra[0]}"
    return None
