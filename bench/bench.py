#!/usr/bin/env python3
"""Darkroom measured side by side with vipsthumbnail, pyvips, Pillow and the naive pipeline, on the
same inputs in the same run. Writes bench/results/REPORT.md and bench/results/chart.png.
Timings are measured here and never asserted by the tests."""
import glob, json, math, os, platform, re, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INPUTS = os.path.join(ROOT, "bench", "inputs")
RESULTS = os.path.join(ROOT, "bench", "results")
sys.path.insert(0, os.path.join(ROOT, "harness"))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import template_facts  # noqa: E402

# The pipeline's stage functions, as the state machine invokes them.
FUNCTIONS = template_facts.stages()
QUICK = "--quick" in sys.argv
# The HTTP API's function, timed beside the stages (its own variables added).
API_ENV = {"DARKROOM_UPLOADS_BUCKET": "u", "DARKROOM_SIMILAR_TABLE": "s", "DARKROOM_API_SECRET": "x" * 40}
# The lean libvips of the layer, built here when missing or stale (scripts/package keeps its own).
LEAN = os.path.join(ROOT, "build", "layer")
REPEAT = 1 if QUICK else 3


def run(command, **kw):
    return subprocess.run(command, check=True, capture_output=True, text=True, **kw)


def timed(command, env=None):
    """Wall seconds and peak resident memory (KB) of one process."""
    started = time.perf_counter()
    result = subprocess.run(["/usr/bin/time", "-f", "%M"] + command, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"{command[0]} failed: {result.stderr[-500:]}")
    peak = int(result.stderr.strip().splitlines()[-1])
    return elapsed, peak, result.stdout


# ---- inputs ------------------------------------------------------------------------------------------

def prepare_inputs():
    import pyvips
    os.makedirs(INPUTS, exist_ok=True)
    photos = sorted(glob.glob(os.path.join(INPUTS, "photo-*.jpg")))
    if not photos:
        work = tempfile.mkdtemp()
        run(["apt-get", "download", "plasma-workspace-wallpapers"], cwd=work)
        deb = glob.glob(os.path.join(work, "*.deb"))[0]
        run(["dpkg-deb", "-x", deb, os.path.join(work, "x")])
        seen = set()
        for path in sorted(glob.glob(os.path.join(work, "x/usr/share/wallpapers/*/contents/images/*.jpg"))):
            if os.path.islink(path) or os.path.getsize(path) < 300_000:
                continue
            name = path.split("/wallpapers/")[1].split("/")[0]
            if name in seen:
                continue
            seen.add(name)
            shutil.copy(path, os.path.join(INPUTS, f"photo-{name}.jpg"))
            if len(seen) == 10:
                break
        shutil.rmtree(work)
    source = pyvips.Image.new_from_file(sorted(glob.glob(os.path.join(INPUTS, "photo-*.jpg")))[0])
    big = os.path.join(INPUTS, "generated-24mp-baseline.jpg")
    if not os.path.exists(big):
        upscaled = source.resize(6000 / source.width, vscale=4000 / source.height)
        upscaled.jpegsave(big, Q=90)
        upscaled.jpegsave(os.path.join(INPUTS, "generated-24mp-progressive.jpg"), Q=90, interlace=True)
        rgba = upscaled.resize(4000 / 6000).bandjoin(pyvips.Image.black(4000, 2667).linear(0, 200).cast("uchar"))
        rgba.pngsave(os.path.join(INPUTS, "generated-rgba.png"), compression=3)
        upscaled.resize(4000 / 6000).heifsave(os.path.join(INPUTS, "generated.heic"), Q=80)
    return sorted(glob.glob(os.path.join(INPUTS, "*.*")))


# ---- contenders ----------------------------------------------------------------------------------------

PYVIPS_THUMB = r"""
import sys, time, pyvips
pyvips.cache_set_max(0)
for path in sys.argv[2:]:
    t = time.perf_counter()
    pyvips.Image.thumbnail(path, 300, height=300).jpegsave(sys.argv[1] + "/" + path.rsplit("/", 1)[1] + ".jpg", Q=82, strip=True)
    print("%.2f %s" % ((time.perf_counter() - t) * 1000, path))
"""

PILLOW_THUMB = r"""
import sys, time
from PIL import Image, ImageOps
for path in sys.argv[2:]:
    if path.endswith(".heic"):
        continue  # Pillow reads no HEIF without a plugin
    t = time.perf_counter()
    with Image.open(path) as im:
        im = ImageOps.exif_transpose(im)
        im.thumbnail((300, 300))
        im.convert("RGB").save(sys.argv[1] + "/" + path.rsplit("/", 1)[1] + ".jpg", quality=82)
    print("%.2f %s" % ((time.perf_counter() - t) * 1000, path))
"""

# Darkroom's default variant set (VariantSpec.defaults), said once for every contender's script:
# (file, width, height, cover-cropped).
DEFAULT_VARIANTS = [("large.jpg", 1024, 768, False), ("large.webp", 1024, 768, False), ("small.jpg", 150, 150, False),
                    ("medium.jpg", 300, 300, False), ("large-thumb.jpg", 600, 600, False), ("square.jpg", 200, 200, True)]

def with_variants(script):
    """A contender's script with the default variant set written into it."""
    return script.replace("__VARIANTS__", repr(DEFAULT_VARIANTS))


# The default variant set made as one function per output would: decode the original every time.
NAIVE_PYVIPS = r"""
import sys, time, pyvips
pyvips.cache_set_max(0)
OUT = __VARIANTS__
for path in sys.argv[2:]:
    t = time.perf_counter()
    for name, w, h, cover in OUT:
        kw = {"height": h, "size": "down"}
        if cover: kw["crop"] = "attention"
        image = pyvips.Image.thumbnail(path, w, **kw)
        if image.hasalpha(): image = image.flatten(background=255)
        target = sys.argv[1] + "/" + path.rsplit("/", 1)[1] + "-" + name
        image.webpsave(target, Q=82, strip=True) if name.endswith("webp") else image.jpegsave(target, Q=82, strip=True, interlace=True, optimize_coding=True)
    print("%.2f %s" % ((time.perf_counter() - t) * 1000, path))
"""

# The ceiling for any decode-once pipeline: one decode to the largest box, in memory, every output
# derived from it and encoded as the naive script does.
ONCE_PYVIPS = r"""
import sys, time, pyvips
pyvips.cache_set_max(0)
OUT = __VARIANTS__
for path in sys.argv[2:]:
    t = time.perf_counter()
    decoded = pyvips.Image.thumbnail(path, 1024, height=1024, size="down").copy_memory()
    if decoded.hasalpha(): decoded = decoded.flatten(background=255).copy_memory()
    for name, w, h, cover in OUT:
        kw = {"height": h, "size": "down"}
        if cover: kw["crop"] = "attention"
        image = decoded.thumbnail_image(w, **kw)
        target = sys.argv[1] + "/" + path.rsplit("/", 1)[1] + "-" + name
        image.webpsave(target, Q=82, strip=True) if name.endswith("webp") else image.jpegsave(target, Q=82, strip=True, interlace=True, optimize_coding=True)
    print("%.2f %s" % ((time.perf_counter() - t) * 1000, path))
"""

NAIVE_PILLOW = r"""
import sys, time
from PIL import Image, ImageOps
OUT = __VARIANTS__
for path in sys.argv[2:]:
    if path.endswith(".heic"):
        continue  # Pillow reads no HEIF without a plugin
    t = time.perf_counter()
    for name, w, h, cover in OUT:
        with Image.open(path) as im:
            im = ImageOps.exif_transpose(im).convert("RGB")
            im = ImageOps.fit(im, (w, h)) if cover else (im.thumbnail((w, h)) or im)
            target = sys.argv[1] + "/" + path.rsplit("/", 1)[1] + "-" + name
            im.save(target, quality=82, **({"optimize": True, "progressive": True} if name.endswith("jpg") else {}))
    print("%.2f %s" % ((time.perf_counter() - t) * 1000, path))
"""


def per_image(output):
    return {line.split(" ", 1)[1]: float(line.split(" ", 1)[0]) for line in output.splitlines() if re.match(r"^[0-9.]+ ", line)}


def in_turn(contenders, once, rounds=None):
    """`once(command)` for every contender (name -> command), one of each in turn for `rounds` rounds
    (REPEAT by default), so that a slow spell of this shared machine falls on all of them alike:
    every round's result, by contender."""
    samples = {name: [] for name in contenders}
    for _ in range(rounds or REPEAT):
        for name, command in contenders.items():
            samples[name].append(once(command))
    return samples


def median_runs(contenders, inputs):
    """For batch processes that print 'ms path' per image (name -> command for an output folder): the
    median ms per image over the rounds, and each batch's peak memory."""
    def once(command_for):
        out = tempfile.mkdtemp()
        _, memory, stdout = timed(command_for(out))
        shutil.rmtree(out)
        return per_image(stdout), memory
    results = {}
    for name, runs in in_turn(contenders, once).items():
        times = {path: statistics.median(run[path] for run, _ in runs if path in run) for path in inputs
                 if any(path in run for run, _ in runs)}
        results[name] = (times, max(memory for _, memory in runs))
    return results


def process_per_image(contenders, inputs):
    """Median wall ms of one process per image (start-up included) by image, and the largest peak
    memory, for every contender (name -> command for an output folder and an input)."""
    results = {name: ({}, 0) for name in contenders}
    for path in inputs:
        def once(command_for):
            out = tempfile.mkdtemp()
            elapsed, memory, _ = timed(command_for(out, path))
            shutil.rmtree(out)
            return elapsed * 1000, memory
        for name, runs in in_turn(contenders, once).items():
            times, peak = results[name]
            times[path] = statistics.median(ms for ms, _ in runs)
            results[name] = (times, max([peak] + [memory for _, memory in runs]))
    return results


def batch_per_image(contenders, inputs, rounds):
    """One process over every input per contender and round: every round's wall ms per image
    (start-up spread over the inputs) and peak memory, by contender."""
    def once(command_for):
        out = tempfile.mkdtemp()
        elapsed, memory, _ = timed(command_for(out))
        shutil.rmtree(out)
        return elapsed * 1000 / len(inputs), memory
    return in_turn(contenders, once, rounds)


def geometric_mean(values):
    return math.exp(sum(math.log(v) for v in values) / len(values))


# ---- Lambda start ----------------------------------------------------------------------------------------

def lambda_start(executable, env_extra):
    """One start: milliseconds from exec to the first GET /next, and to the first response posted."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    import threading
    marks = {}

    class Runtime(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def do_GET(self):
            marks.setdefault("next", time.perf_counter())
            if "served" in marks:
                time.sleep(5)
                return
            marks["served"] = True
            body = b"{}"
            self.send_response(200)
            for k, v in [("Lambda-Runtime-Aws-Request-Id", "r1"), ("Lambda-Runtime-Deadline-Ms", str(int((time.time() + 30) * 1000))),
                         ("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:1:function:f"), ("Content-Length", str(len(body)))]:
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            marks.setdefault("response", time.perf_counter())
            self.send_response(202)
            self.send_header("Content-Length", "0")
            self.end_headers()

    class QuietServer(ThreadingHTTPServer):
        def handle_error(self, request, client_address):
            pass  # a process killed in the middle of its next GET /next is expected

    server = QuietServer(("127.0.0.1", 0), Runtime)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = dict(os.environ, AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{server.server_address[1]}", AWS_REGION="us-east-1",
               AWS_ACCESS_KEY_ID="AKID", AWS_SECRET_ACCESS_KEY="secret", DARKROOM_TABLE="t", DARKROOM_DERIVED_BUCKET="d",
               DARKROOM_ARCHIVE_BUCKET="a", DARKROOM_TOPIC_ARN="arn:aws:sns:us-east-1:1:t", LOG_LEVEL="FATAL", **env_extra)
    started = time.perf_counter()
    process = subprocess.Popen([executable], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while "response" not in marks and time.perf_counter() - started < 10:
        time.sleep(0.0005)
    process.kill()
    process.wait()
    server.shutdown()
    if "next" not in marks or "response" not in marks:
        raise RuntimeError(f"{executable} never answered its first invocation")
    return (marks["next"] - started) * 1000, (marks["response"] - started) * 1000


# A bare C Runtime API client linked to libvips: GET /next, then a response, over a plain socket.
# It calls vips_init first only when BARE_VIPS_INIT is set.
BARE_CLIENT = r"""
#include <vips/vips.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int exchange(const char *host, int port, const char *request) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, host, &address.sin_addr);
    if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0) return 1;
    if (write(fd, request, strlen(request)) < 0) return 1;
    char reply[4096];
    ssize_t got = read(fd, reply, sizeof reply);
    close(fd);
    return got > 0 ? 0 : 1;
}

int main(int argc, char **argv) {
    if (getenv("BARE_VIPS_INIT") && VIPS_INIT(argv[0])) return 1;
    char host[64];
    int port;
    if (sscanf(getenv("AWS_LAMBDA_RUNTIME_API"), "%63[^:]:%d", host, &port) != 2) return 1;
    if (exchange(host, port, "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: runtime\r\n\r\n")) return 1;
    return exchange(host, port, "POST /2018-06-01/runtime/invocation/r1/response HTTP/1.1\r\nHost: runtime\r\n"
                                "Content-Length: 2\r\n\r\n{}");
}
"""


def bare_client():
    """The bare C Runtime API client, compiled against the libvips pkg-config names."""
    source = os.path.join(tempfile.mkdtemp(), "client.c")
    open(source, "w").write(BARE_CLIENT)
    binary = source[:-2]
    run(["cc", "-O2", source, "-o", binary] + run(["pkg-config", "--cflags", "--libs", "vips"]).stdout.split())
    return binary


def shared_libraries(binary, env):
    return len([l for l in run(["ldd", binary], env=dict(os.environ, **env)).stdout.splitlines() if "=>" in l])


# ---- the run ---------------------------------------------------------------------------------------------

def main():
    os.makedirs(RESULTS, exist_ok=True)
    # One build for everything measured: the way the functions ship (scripts/build-functions), the
    # CLI included.
    print("building", file=sys.stderr)
    bin_path = run([os.path.join(ROOT, "scripts", "build-functions"), "darkroom", *FUNCTIONS, "api"], cwd=ROOT).stdout.strip()
    darkroom = os.path.join(bin_path, "darkroom")
    inputs = prepare_inputs()
    names = {p: os.path.basename(p) for p in inputs}
    env = dict(os.environ, VIPS_WARNING="0")
    print(f"{len(inputs)} inputs", file=sys.stderr)

    # 1. Thumbnail, one 300 px JPEG at Q82.
    print("thumbnails", file=sys.stderr)
    thumb_process = process_per_image({
        "darkroom": lambda out, p: [darkroom, "thumbnail", p, "-o", out, "-s", "300"],
        "vipsthumbnail": lambda out, p: ["vipsthumbnail", p, "-s", "300x300", "-o", out + "/%s.jpg[Q=82,strip]"],
    }, inputs)
    # The same, each tool run once over every input (as `vipsthumbnail *.jpg` is used): the image work,
    # with one start-up each spread over the inputs. Five rounds, compared round by round.
    thumb_batch = batch_per_image({
        "darkroom": lambda out: [darkroom, "thumbnail", "-o", out, "-s", "300"] + inputs,
        "vipsthumbnail": lambda out: ["vipsthumbnail", "-s", "300x300", "-o", out + "/%s.jpg[Q=82,strip]"] + inputs,
    }, inputs, 1 if QUICK else 5)
    # Start-up alone: the CLI doing nothing (it starts libvips only when it has an image).
    startup = {name: statistics.median(timed(command)[0] * 1000 for _ in range(10))
               for name, command in [("darkroom --help", [darkroom, "--help"]), ("vips --version", ["vips", "--version"])]}
    thumb_inproc = median_runs({
        "darkroom": lambda out: [darkroom, "thumbnail", "--times", "-o", out] + inputs,
        "pyvips": lambda out: [sys.executable, "-c", PYVIPS_THUMB, out] + inputs,
        "Pillow": lambda out: [sys.executable, "-c", PILLOW_THUMB, out] + inputs,
    }, inputs)

    # 2. The full default variant set.
    print("variant sets", file=sys.stderr)
    full = median_runs({
        "darkroom (decode once per stage)": lambda out: [darkroom, "variants", "--times", "-o", out] + inputs,
        "naive pyvips (decode per output)": lambda out: [sys.executable, "-c", with_variants(NAIVE_PYVIPS), out] + inputs,
        "pyvips decode once (the ceiling)": lambda out: [sys.executable, "-c", with_variants(ONCE_PYVIPS), out] + inputs,
        "naive Pillow (decode per output)": lambda out: [sys.executable, "-c", with_variants(NAIVE_PILLOW), out] + inputs,
    }, inputs)
    # The whole pipeline in one process (records, metadata, archive copy and all) against the
    # decode-once pyvips script, whole runs over every input, round by round.
    pipeline = batch_per_image({
        "darkroom process": lambda out: [darkroom, "process", "--jobs", "1", "-o", out] + inputs,
        "pyvips decode once": lambda out: [sys.executable, "-c", with_variants(ONCE_PYVIPS), out] + inputs,
    }, inputs, 1 if QUICK else 5)
    big = os.path.join(INPUTS, "generated-24mp-baseline.jpg")
    _, darkroom_big_peak, _ = timed([darkroom, "variants", "-o", tempfile.mkdtemp(), big], env=env)
    _, vips_big_peak, _ = timed(["vipsthumbnail", big, "-s", "1024x768", "-o", tempfile.mkdtemp() + "/%s.jpg[Q=82]"], env=env)
    # Where the difference goes: the same single output from Darkroom, and each program's start-up.
    memory = {
        "darkroom thumbnail, the 1024 px variant alone": timed([darkroom, "thumbnail", "-s", "1024", "-o", tempfile.mkdtemp(), big],
                                                               env=env)[1],
        "darkroom --help (start-up only)": timed([darkroom, "--help"])[1],
        "vips --version (start-up only)": timed(["vips", "--version"])[1],
    }
    # What each costs whatever the image: the same runs on a 1 KB JPEG.
    tiny = os.path.join(ROOT, "Tests", "Fixtures", "orientation-1.jpg")
    memory["darkroom variants, a 1 KB JPEG"] = timed([darkroom, "variants", "-o", tempfile.mkdtemp(), tiny], env=env)[1]
    memory["vipsthumbnail, a 1 KB JPEG"] = timed(["vipsthumbnail", tiny, "-s", "1024x768", "-o", tempfile.mkdtemp() + "/%s.jpg[Q=82]"],
                                                 env=env)[1]
    # Decoding from a file (vipsthumbnail) against from memory (a Lambda's input arrives from S3 in
    # memory), the same library and output.
    for source in ("file", "buffer"):
        code = ("import sys, pyvips\np = sys.argv[1]\n"
                + ("im = pyvips.Image.thumbnail(p, 1024, height=768)\n" if source == "file"
                   else "im = pyvips.Image.thumbnail_buffer(open(p, 'rb').read(), 1024, height=768)\n")
                + "im.jpegsave(sys.argv[2], Q=82)\n")
        memory[f"pyvips, 1024 px variant from a {source}"] = timed([sys.executable, "-c", code, big, tempfile.mktemp(suffix=".jpg")])[1]

    # 3. Lambda start: every function as it ships, with Debian's libvips, and a pixel stage with the
    # lean libvips of the layer.
    print("lambda start", file=sys.stderr)
    lean = os.path.join(LEAN, "lib")
    print("the lean libvips of the layer (built when missing or its recipe changed)", file=sys.stderr)
    run([os.path.join(ROOT, "scripts", "build-layer"), LEAN])
    runs = 5 if QUICK else 21
    bare_binary = bare_client()
    layer = {"LD_LIBRARY_PATH": lean}
    contenders = {name: (os.path.join(bin_path, name), {}) for name in FUNCTIONS}
    contenders["api"] = (os.path.join(bin_path, "api"), API_ENV)
    contenders["resize, lean libvips (layer)"] = (os.path.join(bin_path, "resize"), layer)
    libvips = {"Debian libvips": {}, "lean libvips (layer)": layer}
    for name, env in libvips.items():
        contenders[f"bare, {name}"] = (bare_binary, env)
        contenders[f"bare + vips_init, {name}"] = (bare_binary, dict(env, BARE_VIPS_INIT="1"))
    # Every round's (ms to GET /next, ms to the response), by contender.
    rounds = in_turn(contenders, lambda contender: lambda_start(*contender), runs)
    measured = {name: (statistics.median(n for n, _ in times), statistics.median(r for _, r in times)) for name, times in rounds.items()}
    # A pixel stage over the bare program merely linked to the same libvips, round by round.
    pixel_over = {name: [stage - bare_ms for (stage, _), (bare_ms, _) in zip(rounds[stage_row], rounds[f"bare, {name}"])]
                  for name, stage_row in [("Debian libvips", "resize"), ("lean libvips (layer)", "resize, lean libvips (layer)")]}
    starts = {name: measured[name] for name in [*FUNCTIONS, "api", "resize, lean libvips (layer)"]}
    bare = {name: (measured[f"bare + vips_init, {name}"][0], shared_libraries(bare_binary, env)) for name, env in libvips.items()}
    floors = {name: measured[f"bare, {name}"] for name in libvips}

    # 4. SigV4.
    print("sigv4", file=sys.stderr)
    # Five rounds: a run is about a second, and this shared machine's speed drifts by more than the
    # difference between rounds. The ratio is the median of each round's.
    rates = in_turn({"darkroom": [darkroom, "sign-bench", "--count", "100000"],
                     "botocore": [sys.executable, os.path.join(ROOT, "bench", "botocore_sign.py"), "5000"]},
                    lambda command: float(run(command).stdout.split()[0]), 5)
    ours, botocore_rate = statistics.median(rates["darkroom"]), statistics.median(rates["botocore"])
    sig_ratio = statistics.median(a / b for a, b in zip(rates["darkroom"], rates["botocore"]))

    # 5. Renditions (bench/renditions.py: RENDITIONS.md, and the render durations cost.py prices).
    print("renditions", file=sys.stderr)
    run([sys.executable, os.path.join(ROOT, "bench", "renditions.py")] + (["--quick"] if QUICK else []), cwd=ROOT)

    # 6. Cost: the requests of one image counted in the local stack, and the durations of a
    # `darkroom process` run over the camera photos with the template's variant set (as deployed).
    print("requests and cost", file=sys.stderr)
    requests_json = os.path.join(tempfile.mkdtemp(), "requests.json")
    requests = run([sys.executable, os.path.join(ROOT, "scripts", "count-requests"), "--out", requests_json]).stdout
    costrun = tempfile.mkdtemp()
    deployed = template_facts.load_template()["Parameters"]["Variants"].get("Default", "")
    run([darkroom, "process", "--jobs", "1", "-o", costrun] + (["--variants", deployed] if deployed else [])
        + [p for p in inputs if "photo-" in p], env=env)
    cost = requests.strip() + "\n\n" + run([sys.executable, os.path.join(ROOT, "scripts", "cost.py"),
                                             os.path.join(costrun, ".darkroom", "jobs"), requests_json]).stdout

    write_report(inputs, names, thumb_process, thumb_batch, startup, thumb_inproc, full, darkroom_big_peak, vips_big_peak, memory,
                 starts, bare, floors, pixel_over, runs, ours, botocore_rate, sig_ratio, cost, pipeline)


def write_report(inputs, names, thumb_process, thumb_batch, startup, thumb_inproc, full, darkroom_big_peak, vips_big_peak, memory,
                 starts, bare, floors, pixel_over, runs, ours, botocore_rate, sig_ratio, cost, pipeline):
    def med(d):
        return statistics.median(d.values())

    lines = [f"# Darkroom benchmarks", "", f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.machine()}, "
             f"{os.cpu_count()} cores, {platform.platform()}; libvips {run(['pkg-config', '--modversion', 'vips']).stdout.strip()}; "
             f"{len(inputs)} inputs ({', '.join(sorted(names.values()))}); {REPEAT} rounds, in each the contenders of a measurement run one after another; medians.", ""]
    targets = []

    lines += ["## 1. One 300 px JPEG thumbnail", "", "One process per image (start-up included), median ms per image and peak memory:", "",
              "| contender | median ms | peak MB |", "|---|---|---|"]
    for name, (times, peak) in thumb_process.items():
        lines.append(f"| {name} | {med(times):.1f} | {peak / 1024:.0f} |")
    per_process = geometric_mean([thumb_process["darkroom"][0][p] / thumb_process["vipsthumbnail"][0][p] for p in inputs])
    lines += ["", f"Each tool run once over every input, one of each in turn for {len(thumb_batch['darkroom'])} rounds (per image: "
              "the batch's wall time over the inputs; medians):", "", "| contender | ms per image | peak MB |", "|---|---|---|"]
    for name, batches in thumb_batch.items():
        lines.append(f"| {name} | {statistics.median(ms for ms, _ in batches):.1f} | {max(m for _, m in batches) / 1024:.0f} |")
    # Round by round: this machine's speed drifts by more than the difference between the two.
    batch = statistics.median(ours / theirs for (ours, _), (theirs, _) in zip(thumb_batch["darkroom"], thumb_batch["vipsthumbnail"]))
    lines += ["", f"Per process, Darkroom takes {per_process:.2f}x vipsthumbnail's time (geometric mean over the inputs): "
              f"`darkroom --help` takes {startup['darkroom --help']:.0f} ms and `vips --version` {startup['vips --version']:.0f} ms "
              f"(it starts libvips, which loads its modules; Darkroom starts libvips only when it has an image). "
              f"Once over all inputs, the image work: {batch:.2f}x (the median of the rounds' ratios)."]
    targets.append(("Thumbnail within 1.10x of vipsthumbnail (each run once over all inputs)", f"{batch:.2f}x", batch <= 1.10))
    lines += ["", "In one process over all inputs (the decode and encode alone), median ms per image:", "",
              "| contender | median ms | peak MB |", "|---|---|---|"]
    for name, (times, peak) in thumb_inproc.items():
        lines.append(f"| {name} | {med(times):.1f} | {peak / 1024:.0f} |")

    lines += ["", "## 2. The full default variant set (6 outputs)", "", "| contender | median ms per image | peak MB |", "|---|---|---|"]
    for name, (times, peak) in full.items():
        lines.append(f"| {name} | {med(times):.1f} | {peak / 1024:.0f} |")
    ours_full = full["darkroom (decode once per stage)"][0]
    vs_pyvips = geometric_mean([full["naive pyvips (decode per output)"][0][p] / ours_full[p] for p in inputs])
    pillow = full["naive Pillow (decode per output)"][0]
    vs_pillow = geometric_mean([pillow[p] / ours_full[p] for p in inputs if p in pillow])
    once = full["pyvips decode once (the ceiling)"][0]
    ceiling = geometric_mean([full["naive pyvips (decode per output)"][0][p] / once[p] for p in inputs])
    pillow_ceiling = geometric_mean([pillow[p] / once[p] for p in inputs if p in pillow])
    lines += ["", f"The ceiling: decoding once and deriving all six outputs from memory with pyvips is {ceiling:.2f}x faster than "
              f"the naive pyvips pipeline and {pillow_ceiling:.2f}x faster than naive Pillow; the six encodes (a WebP among them) "
              f"are the same work on every side and bound the ratio. Darkroom decodes twice (resize and thumbnail are separate "
              f"functions), once per stage."]
    targets.append(("Variant set at least 2.5x faster than naive pyvips (geometric mean)",
                    f"{vs_pyvips:.2f}x (decode-once ceiling {ceiling:.2f}x)", vs_pyvips >= 2.5))
    targets.append(("Variant set at least 4x faster than naive Pillow (geometric mean)",
                    f"{vs_pillow:.2f}x (decode-once ceiling {pillow_ceiling:.2f}x)", vs_pillow >= 4))
    ours_rounds, theirs_rounds = pipeline["darkroom process"], pipeline["pyvips decode once"]
    time_ratios = [a[0] / b[0] for a, b in zip(ours_rounds, theirs_rounds)]
    peak_ratios = [a[1] / b[1] for a, b in zip(ours_rounds, theirs_rounds)]
    lines += ["", "The whole pipeline in one process: `darkroom process --jobs 1` (one decode per image for both variant stages, "
              "records, metadata.json, the archive copy) against the decode-once pyvips script (the six outputs only), each run "
              "once over every input per round:", "", "| round | darkroom ms per image | pyvips ms per image | time ratio | "
              "darkroom peak MB | pyvips peak MB | peak ratio |", "|---|---|---|---|---|---|---|"]
    for index, (a, b) in enumerate(zip(ours_rounds, theirs_rounds), 1):
        lines.append(f"| {index} | {a[0]:.1f} | {b[0]:.1f} | {a[0] / b[0]:.2f}x | {a[1] / 1024:.0f} | {b[1] / 1024:.0f} | {a[1] / b[1]:.2f}x |")
    targets.append(("darkroom process within 1.10x of decode-once pyvips (median of rounds)", f"{statistics.median(time_ratios):.2f}x",
                    statistics.median(time_ratios) <= 1.10))
    targets.append(("darkroom process peak memory within 1.2x of decode-once pyvips (worst round)", f"{max(peak_ratios):.2f}x",
                    max(peak_ratios) <= 1.2))
    memory_ratio = darkroom_big_peak / vips_big_peak
    lines += ["", f"24-megapixel JPEG: resize and thumbnail peak {darkroom_big_peak / 1024:.0f} MB; vipsthumbnail for the "
              f"1024x768 variant alone {vips_big_peak / 1024:.0f} MB."]
    targets.append(("24 MP peak memory no more than 1.2x vipsthumbnail's largest variant", f"{memory_ratio:.2f}x", memory_ratio <= 1.2))
    tiny_darkroom, tiny_vips = memory["darkroom variants, a 1 KB JPEG"], memory["vipsthumbnail, a 1 KB JPEG"]
    lines += ["", f"Split into what a run costs whatever the image (the same run on a 1 KB JPEG) and what the 24 MP image adds: "
              f"Darkroom {tiny_darkroom / 1024:.0f} + {(darkroom_big_peak - tiny_darkroom) / 1024:.0f} MB, vipsthumbnail "
              f"{tiny_vips / 1024:.0f} + {(vips_big_peak - tiny_vips) / 1024:.0f} MB."]
    lines += ["", "| the same 24 MP file | peak MB |", "|---|---|"] + [f"| {k} | {v / 1024:.0f} |" for k, v in memory.items()]

    lines += ["", "## 3. Lambda start (local Runtime API)", "", "| executable | exec to first GET /next, ms | to first response, ms |", "|---|---|---|"]
    for name, (to_next, to_response) in starts.items():
        lines.append(f"| {name} | {to_next:.1f} | {to_response:.1f} |")
    lines += ["", "Every executable as it ships (`scripts/build-functions`, which `scripts/package` zips): the Swift runtime, the",
              "lean libcurl of `scripts/build-lean-curl` and OpenSSL linked into the executable, stripped; Debian's libvips",
              "unless the row says the layer's. The Runtime API is spoken over a plain socket; libcurl and OpenSSL start at",
              "the first AWS call.", "",
              "The bare C program is a Runtime API client too, started by the same harness against the same Runtime API:",
              "it connects, sends GET /next, then posts a response. Each of the rows above and below is started once in",
              f"turn, {runs} rounds, so a slow spell of this shared machine falls on all of them alike; medians.", "",
              "| bare C client linked to libvips | calling vips_init first, ms | never calling it, ms | shared libraries |",
              "|---|---|---|---|"]
    for name, (ms, libraries) in bare.items():
        lines.append(f"| {name} | {ms:.1f} | {floors[name][0]:.1f} | {libraries} |")
    light = max(starts["moderate"][0], starts["archive"][0])
    targets.append(("moderate and archive (as shipped) reach GET /next under 15 ms", f"{light:.1f} ms", light < 15))
    targets.append(("api reaches GET /next as quick as moderate and archive (within 1 ms of the slower)", f"{starts['api'][0]:.1f} ms",
                    starts["api"][0] <= light + 1))
    # The stages start libvips after GET /next, so before it they pay only for loading it: the
    # fair bare program is the one merely linked to the same libvips.
    shipped = {"Debian libvips": starts["resize"][0], "lean libvips (layer)": starts["resize, lean libvips (layer)"][0]}
    over = {name: statistics.median(values) for name, values in pixel_over.items()}
    spread = {name: statistics.quantiles(values, n=4) for name, values in pixel_over.items()}
    lines += ["", "A pixel stage (`resize`) over the bare client merely linked to the same libvips, round by round "
              "(median, and the middle half of the rounds):", "", "| libvips | median ms over | quartiles, ms |", "|---|---|---|"]
    for name in pixel_over:
        lines.append(f"| {name} | {over[name]:+.1f} | {spread[name][0]:+.1f} to {spread[name][2]:+.1f} |")
    # The target as written compares with the program that calls vips_init. The stricter comparison,
    # with the one merely linked, is reported beside it: it is what a stage adds by itself (about
    # 4 ms here, the round-to-round scatter larger than that).
    literal = {name: shipped[name] - bare[name][0] for name in shipped}
    targets.append(("Pixel stage (as shipped) within 5 ms of a bare C program calling vips_init with the same libvips",
                    f"{literal['lean libvips (layer)']:+.1f} ms (lean), {literal['Debian libvips']:+.1f} ms (Debian libvips); "
                    f"stricter, over one merely linked (the stages start libvips after GET /next), medians of rounds: "
                    f"{over['lean libvips (layer)']:+.1f} ms (lean), {over['Debian libvips']:+.1f} ms (Debian)",
                    max(literal.values()) <= 5))
    lean_ms = shipped["lean libvips (layer)"]
    targets.append(("Pixel stage under 15 ms with the lean libvips", f"{lean_ms:.1f} ms (the bare C client merely linked to it: "
                    f"{floors['lean libvips (layer)'][0]:.1f} ms)", lean_ms < 15))

    lines += ["", "## 4. SigV4", "", f"Darkroom {ours:,.0f} signatures/s; botocore {botocore_rate:,.0f} signatures/s (median rates of five "
              f"rounds, one run of each per round; the median of the rounds' ratios: {sig_ratio:.1f}x)."]
    targets.append(("SigV4 at least 20x botocore's rate", f"{sig_ratio:.1f}x", sig_ratio >= 20))

    lines += ["", "## 5. Requests and cost per million images", "",
              "Every S3, DynamoDB and SNS request of one image, counted in the local stack by scripts/count-requests, "
              "then priced with the stage durations of the camera photos by scripts/cost.py:", "", cost.strip(), "",
              "The requirements quoted about $300 a month for a million images.", ""]

    lines += ["## Targets", "", "| target | measured | |", "|---|---|---|"]
    for name, value, met in targets:
        lines.append(f"| {name} | {value} | {'met' if met else 'MISSED'} |")
    report = "\n".join(lines) + "\n"
    open(os.path.join(RESULTS, "REPORT.md"), "w").write(report)
    chart({name: med(times) for name, (times, _) in full.items()} | {f"thumbnail: {n}": med(t) for n, (t, _) in thumb_inproc.items()},
          os.path.join(RESULTS, "chart.png"))
    print(report)


def chart(values, path):
    """A horizontal bar chart drawn with Pillow (no plotting library needed)."""
    from PIL import Image, ImageDraw
    width, bar, gap, left = 900, 28, 12, 330
    height = 40 + len(values) * (bar + gap)
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.text((10, 10), "median ms per image (lower is better)", fill="black")
    top = max(values.values())
    for index, (name, value) in enumerate(values.items()):
        y = 35 + index * (bar + gap)
        length = int((width - left - 80) * value / top)
        colour = (40, 110, 200) if name.startswith("darkroom") or "darkroom" in name else (160, 160, 160)
        draw.rectangle([left, y, left + length, y + bar], fill=colour)
        draw.text((10, y + 8), name, fill="black")
        draw.text((left + length + 6, y + 8), f"{value:.0f}", fill="black")
    image.save(path)


if __name__ == "__main__":
    main()
