"""scripts/scan-secrets.py, which scripts/test runs over every log of the run, finds what it must:
a secret the run handed out, and a value printed under a secret's name; and passes clean logs."""
import os, subprocess, sys

from localstack import ROOT

SCAN = os.path.join(ROOT, "scripts", "scan-secrets.py")


def scan(tmp_path, lines):
    secrets = tmp_path / "secrets"
    secrets.write_text("Xk2pQ9rLm4Tz8Vw1Yb6Nc3Hd5Jf7Gs0Ae\n")
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "function.log").write_text("\n".join(lines) + "\n")
    return subprocess.run([sys.executable, SCAN, str(secrets), str(logs)], capture_output=True, text=True)


def test_a_handed_out_secret_in_a_log_is_found(tmp_path):
    done = scan(tmp_path, ['{"level":"INFO","message":"stage done"}', '{"message":"signing with Xk2pQ9rLm4Tz8Vw1Yb6Nc3Hd5Jf7Gs0Ae"}'])
    assert done.returncode == 1 and "function.log:2" in done.stdout


def test_a_value_printed_under_a_secret_name_is_found(tmp_path):
    done = scan(tmp_path, ["AWS_SESSION_TOKEN=IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJGMEQCIH"])
    assert done.returncode == 1 and "session" in done.stdout.lower()


def test_clean_logs_pass(tmp_path):
    done = scan(tmp_path, ['{"level":"INFO","message":"stage done","imageId":"9c62aecf2f3416a0a9d9022b18481e0a"}'])
    assert done.returncode == 0 and "none found" in done.stdout
