"""Scripts that run as root touch only their own folders: scripts/build-layer refuses an empty or
root OUT_DIR (it removes OUT_DIR/lib), and package_check's mounts are undone on every way out,
including the mounts an interrupted run left behind."""
import os, subprocess, sys, tempfile

import pytest

from localstack import ROOT

sys.path.insert(0, os.path.join(ROOT, "scripts"))


@pytest.mark.parametrize("out_dir", ["", "/", "//.", "/tmp/.."])
def test_build_layer_refuses_an_empty_or_root_folder(out_dir):
    run = subprocess.run([os.path.join(ROOT, "scripts", "build-layer"), out_dir], capture_output=True, text=True, timeout=30)
    assert run.returncode == 64 and "OUT_DIR" in run.stderr, (run.returncode, run.stderr)
    assert os.path.isdir("/lib") or os.path.islink("/lib")


def mounted_targets(root):
    with open("/proc/self/mounts") as mounts:
        return [line.split()[1] for line in mounts if line.split()[1].startswith(root + "/")]


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting needs root")
def test_package_check_mounts_are_undone_on_failure_and_left_overs_are_cleaned_first():
    import package_check
    root = tempfile.mkdtemp(prefix="rootfs-")
    for folder in ("dev", "proc"):
        os.makedirs(os.path.join(root, folder))
    # What an interrupted run leaves: /proc still bound into the root.
    subprocess.check_call(["mount", "--bind", "/proc", os.path.join(root, "proc")])
    try:
        with pytest.raises(RuntimeError):
            with package_check.mounted(root):
                assert sorted(mounted_targets(root)) == [os.path.join(root, "dev"), os.path.join(root, "proc")]
                raise RuntimeError("a check failed")
        assert mounted_targets(root) == []
    finally:
        for target in reversed(mounted_targets(root)):
            subprocess.call(["umount", "--lazy", target])
