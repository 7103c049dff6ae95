"""Every variant is the size its spec names, read back with Pillow (not Darkroom's own decoder):
through the real functions in the local stack (each stage decodes for itself) and through
`darkroom process` (one decode for the whole set). The shapes are ordinary ones that a small
decode used to get wrong: a 16:9 photo, a phone's 3:4 portrait, a photo turned by EXIF orientation
6, a photo smaller than the largest thumbnail, and a banner at the allowed 100:1."""
import io, json, os, subprocess, tempfile

import pytest
from PIL import Image

from localstack import ROOT, local_stack, wait_until_final

# The default variant set (VariantSpec.defaults): name -> (width, height, cover).
DEFAULTS = {"large": (1024, 768, False), "small": (150, 150, False), "medium": (300, 300, False),
            "large-thumb": (600, 600, False), "square": (200, 200, True)}
SHAPES = {"landscape-16x9.jpg": (1920, 1080, 1), "portrait-3x4.jpg": (3000, 4000, 1), "turned-6.jpg": (2560, 1600, 6),
          "small-photo.jpg": (640, 400, 1), "banner-100-to-1.png": (3000, 30, 1)}


def expected_size(name, width, height):
    """Fit: the binding side on the box, the other rounded half up, never enlarged. Cover: the box,
    or the largest box of its shape that the image fills."""
    box_w, box_h, cover = DEFAULTS[name]
    half_up = lambda numerator, denominator: max((2 * numerator + denominator) // (2 * denominator), 1)
    if cover:
        if width >= box_w and height >= box_h:
            return box_w, box_h
        return (width, min(half_up(box_h * width, box_w), height)) if width * box_h <= height * box_w \
            else (min(half_up(box_w * height, box_h), width), height)
    if width <= box_w and height <= box_h:
        return width, height
    return (box_w, half_up(height * box_w, width)) if box_w * height <= box_h * width else (half_up(width * box_h, height), box_h)


def test_the_rule_gives_the_sizes_a_user_expects():
    assert expected_size("large-thumb", 1920, 1080) == (600, 338)
    assert expected_size("large-thumb", 3000, 4000) == (450, 600)
    assert expected_size("large-thumb", 1600, 2560) == (375, 600)
    assert expected_size("large-thumb", 640, 400) == (600, 375)
    assert expected_size("large", 3000, 30) == (1024, 10)
    assert expected_size("square", 3000, 30) == (30, 30)


@pytest.fixture(scope="module")
def shapes():
    folder = tempfile.mkdtemp(prefix="shapes-")
    for name, (width, height, orientation) in SHAPES.items():
        picture = Image.linear_gradient("L").resize((width, height)).convert("RGB")
        options = {}
        if orientation != 1:
            exif = Image.Exif()
            exif[0x0112] = orientation
            options["exif"] = exif.tobytes()
        picture.save(os.path.join(folder, name), "PNG" if name.endswith(".png") else "JPEG", quality=85, **options)
    return folder


def shown(name):
    width, height, orientation = SHAPES[name]
    return (height, width) if orientation >= 5 else (width, height)


def check(name, variants, read):
    assert sorted((v["name"], v["format"]) for v in variants) == sorted(
        [(n, "jpeg") for n in DEFAULTS] + [("large", "webp")]), name
    for variant in variants:
        size = Image.open(io.BytesIO(read(variant))).size
        expected = expected_size(variant["name"], *shown(name))
        assert size == expected, f"{name} {variant['name']}.{variant['format']}: {size}, not {expected}"
        assert (variant["width"], variant["height"]) == expected, f"{name} {variant['name']}: the record says otherwise"


def test_darkroom_process_makes_every_variant_its_size(shapes):
    darkroom = subprocess.check_output(["swift", "build", "--show-bin-path"], cwd=ROOT, text=True).strip() + "/darkroom"
    with tempfile.TemporaryDirectory() as out:
        run = subprocess.run([darkroom, "process", shapes, "--out", out, "--json"], capture_output=True, text=True,
                             timeout=300, env=dict(os.environ, VIPS_WARNING="0"))
        assert run.returncode == 0, run.stderr[-2000:]
        for result in json.loads(run.stdout):
            name = os.path.basename(result["input"])
            assert result["status"] == "COMPLETED", f"{name}: {result.get('reason')} {result.get('detail')}"

            def read(variant):
                with open(variant["path"], "rb") as f:
                    return f.read()
            check(name, result["variants"], read)


def test_the_functions_make_every_variant_its_size(shapes):
    with local_stack() as stack:
        keys = {f"uploads/shapes/{name}": name for name in SHAPES}
        for key, name in keys.items():
            stack["s3"].upload_file(os.path.join(shapes, name), stack["uploads"], key)
        records = wait_until_final(stack, list(keys), timeout=240)
        for key, name in keys.items():
            item = records.get(key)
            assert item is not None and item["status"]["S"] == "COMPLETED", f"{name}: {item}"
            job = json.loads(item["job"]["S"])
            check(name, job["variants"],
                  lambda v: stack["s3"].get_object(Bucket=stack["derived"], Key=v["key"])["Body"].read())
