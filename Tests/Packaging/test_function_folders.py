"""The function folders scripts/test builds as they ship (packaging/function, into build/functions):
each bootstrap finds its own lib/ through its RUNPATH, so it loads without Lambda's
LD_LIBRARY_PATH (the lean functions need nothing else; the pixel functions still find the layer's
libvips through /opt/lib, which Lambda's LD_LIBRARY_PATH names)."""
import os, subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FUNCTIONS = os.path.join(ROOT, "build", "functions")
built = sorted(os.listdir(FUNCTIONS)) if os.path.isdir(FUNCTIONS) else []


@pytest.mark.skipif(not built, reason="scripts/test builds build/functions before this runs")
@pytest.mark.parametrize("name", built)
def test_each_bootstrap_looks_in_its_own_lib_first(name):
    dynamic = subprocess.run(["readelf", "-d", os.path.join(FUNCTIONS, name, "bootstrap")], capture_output=True, text=True, check=True).stdout
    runpath = next(line for line in dynamic.splitlines() if "RUNPATH" in line)
    assert "[$ORIGIN/lib:" in runpath, runpath


@pytest.mark.skipif("archive" not in built, reason="scripts/test builds build/functions before this runs")
def test_a_lean_function_starts_without_lambdas_library_path():
    """Without LD_LIBRARY_PATH the loader still finds lib/libdarkroom-glibc-compat.so (which no
    system folder has): the bootstrap starts, and stops for want of a Runtime API, as it should."""
    environment = {k: v for k, v in os.environ.items() if k not in ("LD_LIBRARY_PATH", "AWS_LAMBDA_RUNTIME_API")}
    run = subprocess.run([os.path.join(FUNCTIONS, "archive", "bootstrap")], capture_output=True, text=True, timeout=30, env=environment)
    assert "error while loading shared libraries" not in run.stderr, run.stderr
    assert "AWS_LAMBDA_RUNTIME_API is not set" in run.stdout + run.stderr, run.stdout + run.stderr
    assert run.returncode != 0
