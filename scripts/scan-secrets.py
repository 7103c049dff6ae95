#!/usr/bin/env python3
"""Looks for secrets in a test run's logs: every secret the run handed out (listed one per line in
SECRETS, by harness/local_aws.py) and anything shaped like an AWS secret key or session token
printed next to its name. Prints each finding as FILE:LINE and exits 1 if there is any.

    scan-secrets.py SECRETS LOG_OR_FOLDER...
"""
import os, re, sys

# A value printed under a secret's name: "SecretAccessKey": "...", AWS_SESSION_TOKEN=..., and so on.
NAMED = re.compile(r"(?i)(secret_?access_?key|session_?token|x-amz-security-token)[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9/+=]{16,})")


def files(paths):
    for path in paths:
        if os.path.isdir(path):
            for folder, _, names in os.walk(path):
                yield from (os.path.join(folder, name) for name in sorted(names))
        elif os.path.exists(path):
            yield path


def scan(secrets, paths):
    findings = []
    for path in files(paths):
        with open(path, "rb") as file:
            for number, raw in enumerate(file, 1):
                line = raw.decode("utf-8", "replace")
                if any(secret in line for secret in secrets):
                    findings.append(f"{path}:{number}: a secret handed out in this run")
                elif NAMED.search(line):
                    findings.append(f"{path}:{number}: a value printed as {NAMED.search(line).group(1)}")
    return findings


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    secrets_path = sys.argv[1]
    secrets = set()
    if os.path.exists(secrets_path):
        secrets = {line.strip() for line in open(secrets_path) if len(line.strip()) >= 8}
    paths = sys.argv[2:]
    findings = scan(secrets, paths)
    for finding in findings:
        print(finding)
    count = sum(1 for _ in files(paths))
    print(f"secret scan: {len(secrets)} secret(s) looked for in {count} log file(s): "
          + (f"{len(findings)} FOUND" if findings else "none found"))
    sys.exit(1 if findings else 0)


if __name__ == "__main__":
    main()
