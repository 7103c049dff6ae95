"""The hostile corpus (scripts/make-hostile-corpus) through `darkroom process`: no crash, no hang,
bounded memory, every file that must be refused ends REJECTED with a specific reason and publishes
nothing. Bit flips are the exception: JPEG, lossy WebP, HEIF and TIFF carry no checksum over their
compressed data, so a flipped bit can decode to a valid (if wrong) picture; those may end COMPLETED,
and then their variants must be sound and carry no metadata."""
import io, json, os, resource, subprocess, sys, tempfile

import pytest
from PIL import Image

from localstack import local_stack, objects, wait_until_final

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REASONS = {"empty", "too_large", "unsupported_format", "too_many_pixels", "too_many_frames", "extreme_aspect_ratio", "corrupt"}
EXPECTED = {  # name prefix -> the reason it must get (None: any specific reason)
    "bomb.": "too_many_pixels", "frame-bomb-1500": "too_many_frames", "frame-bomb-150-megapixels": "too_many_pixels",
    "zero-bytes": "empty", "over-the-limit": "too_large", "xxe.": "unsupported_format", "external-image": "unsupported_format",
    "document.pdf": "unsupported_format", "page.html": "unsupported_format", "script.php": "unsupported_format",
    "archive.zip": "unsupported_format", "elf.": "unsupported_format", "polyglot-html": "unsupported_format",
    "truncated-": "corrupt", "random-after-jpeg": "corrupt", "polyglot-gif": None, "random-after-gif": None,
    "jpeg-with-png-magic": None, "strip-": "extreme_aspect_ratio", "tiles-separate-planes": "unsupported_format",
}
# Odd but sound: other decoders read them whole, so Darkroom must (name -> the note it records).
SOUND = {"icc-after-frame-header.jpg": "icc_profile_ignored", "icc-unreadable.jpg": "icc_profile_ignored",
         "strips-separate-planes.tif": None}


@pytest.fixture(scope="module")
def outcome():
    corpus, out = tempfile.mkdtemp(prefix="hostile-"), tempfile.mkdtemp(prefix="hostile-out-")
    subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "make-hostile-corpus"), corpus], check=True, capture_output=True)
    darkroom = subprocess.check_output(["swift", "build", "--show-bin-path"], cwd=ROOT, text=True).strip() + "/darkroom"
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    run = subprocess.run([darkroom, "process", corpus, "--out", out, "--json", "--jobs", "2"], capture_output=True, text=True,
                         timeout=600, env=dict(os.environ, VIPS_WARNING="0"))
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    results = {os.path.basename(r["input"]): r for r in json.loads(run.stdout)}
    return {"run": run, "results": results, "out": out, "corpus": corpus, "peak_kb": max(peak_kb, before),
            "files": sorted(os.listdir(corpus))}


def test_nothing_crashes_and_every_file_has_an_outcome(outcome):
    assert outcome["run"].returncode == 0, outcome["run"].stderr[-2000:]
    assert len(outcome["files"]) >= 60
    assert sorted(outcome["results"]) == outcome["files"]
    assert all(r["status"] in ("REJECTED", "COMPLETED") for r in outcome["results"].values())


def test_what_must_be_refused_is_refused_with_its_reason(outcome):
    for name, result in outcome["results"].items():
        rule = next((reason for prefix, reason in EXPECTED.items() if name.startswith(prefix)), "none")
        if rule == "none":
            continue
        assert result["status"] == "REJECTED", f"{name} was not refused"
        assert result["reason"] in REASONS and result["detail"], name
        if rule is not None:
            assert result["reason"] == rule, f"{name}: {result['reason']} ({result['detail']})"
        assert result["variants"] == []
        assert not os.path.exists(os.path.join(outcome["out"], result["imageId"])), f"{name} published something"


def test_bit_flips_end_refused_or_as_sound_pictures_without_metadata(outcome):
    flipped = {n: r for n, r in outcome["results"].items() if n.startswith("flipped")}
    assert len(flipped) >= 12
    for name, result in flipped.items():
        if result["status"] == "REJECTED":
            assert result["reason"] in REASONS, name
            continue
        assert len(result["variants"]) == 6, name
        for variant in result["variants"]:
            with open(variant["path"], "rb") as f:
                picture = Image.open(io.BytesIO(f.read()))
                picture.load()
            assert picture.size == (variant["width"], variant["height"]) and not picture.getexif(), variant["path"]


def test_banners_at_the_allowed_ratio_complete_without_a_libvips_warning(outcome):
    """10000x100 and 100x10000: every variant keeps at least one pixel a side, and libvips (its
    warnings on, unlike the corpus run) says nothing about a shrink out of range."""
    names = ["banner-100-to-1.png", "tower-1-to-100.png"]
    for name in names:
        result = outcome["results"][name]
        assert result["status"] == "COMPLETED", f"{name}: {result['reason']} {result['detail']}"
        assert all(v["width"] >= 1 and v["height"] >= 1 for v in result["variants"]) and len(result["variants"]) == 6
    out = tempfile.mkdtemp(prefix="banners-")
    darkroom = subprocess.check_output(["swift", "build", "--show-bin-path"], cwd=ROOT, text=True).strip() + "/darkroom"
    environment = {k: v for k, v in os.environ.items() if k != "VIPS_WARNING"}
    run = subprocess.run([darkroom, "process", *[os.path.join(outcome["corpus"], n) for n in names], "--out", out, "--json"],
                         capture_output=True, text=True, timeout=120, env=environment)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "warning" not in run.stderr.lower(), run.stderr[-2000:]


def test_odd_but_sound_files_complete_and_say_what_was_ignored(outcome):
    for name, note in SOUND.items():
        result = outcome["results"][name]
        assert result["status"] == "COMPLETED", f"{name}: {result['reason']} ({result['detail']})"
        assert len(result["variants"]) == 6, name
        notes = result["metadata"]["notes"] or []
        assert [n.split(":")[0] for n in notes] == ([note] if note else []), f"{name}: {notes}"


def test_a_renamed_png_is_a_png(outcome):
    result = outcome["results"]["png-bytes-named.jpg"]
    assert result["status"] == "COMPLETED" and result["metadata"]["format"] == "png"


def test_memory_stays_bounded(outcome):
    assert outcome["peak_kb"] < 1_500_000, f"peak {outcome['peak_kb'] // 1024} MB"


@pytest.fixture(scope="module")
def through_the_stack(outcome):
    with local_stack() as stack:
        for name in outcome["files"]:
            stack["s3"].upload_file(os.path.join(outcome["corpus"], name), stack["uploads"], f"uploads/hostile/{name}")
        keys = [f"uploads/hostile/{name}" for name in outcome["files"]]
        found = wait_until_final(stack, keys, timeout=300)
        yield {key.split("/")[-1]: item for key, item in found.items()}, list(objects(stack, stack["derived"], ""))


def test_through_the_local_stack_every_upload_ends_final_with_the_same_outcome(outcome, through_the_stack):
    records, derived = through_the_stack
    assert sorted(records) == outcome["files"], "some uploads never got a record"
    for name, item in records.items():
        local = outcome["results"][name]
        assert item["status"]["S"] == local["status"], f"{name}: {item['status']['S']} in the stack, {local['status']} locally"
        if item["status"]["S"] == "REJECTED":
            assert item["reason"]["S"] == local["reason"], name
            assert not [k for k in derived if item["imageId"]["S"] in k], f"{name} published something"
