#!/usr/bin/env python3
"""Renditions measured (docs/renditions.md, docs/benchmarks.md): the same outputs from every
contender, the bench's camera photos fit into 480x480 as JPEG at quality 80.

- in process: Darkroom's render (`darkroom render --times`) from the original and from a stored
  1024 px variant, against pyvips `thumbnail_buffer` from the same bytes (the floor), both writing
  the same progressive JPEG (Darkroom's renditions and variants are progressive: about 4% smaller
  for about 2 ms at 480 px);
- over HTTP: Darkroom's RenderService behind `darkroom serve` (from the stored variant, and from
  the original with a variant set that has no large variant), against thumbor 7.8 (PyPI, its own
  virtual environment, file loader, no storage): median and p95 sequentially, throughput at two
  concurrent clients;
- the WebP effort: a 480 px WebP from the stored 1024 px JPEG at each effort, time and bytes;
- the render function's cold start beside a pixel stage's (bench.py's Runtime API double; its
  secret read answered by a local stand-in for Secrets Manager).

Writes bench/results/RENDITIONS.md and bench/results/renditions.json (what scripts/cost.py prices).
Run alone: `python3 bench/renditions.py [--quick]` after scripts/install-deps --bench; bench.py runs it."""
import concurrent.futures, glob, json, os, shutil, statistics, subprocess, sys, tempfile, threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import bench  # noqa: E402

QUICK = "--quick" in sys.argv
BOX, QUALITY = 480, 80
THUMBOR_VENV = os.path.join(ROOT, "build", "thumbor-venv")
ROUNDS = 3 if QUICK else 15

PYVIPS_RENDER = r"""
import sys, time, pyvips
pyvips.cache_set_max(0)
rounds, files = int(sys.argv[1]), sys.argv[2:]
for path in files:
    data = open(path, "rb").read()
    for _ in range(rounds):
        t = time.perf_counter()
        out = pyvips.Image.thumbnail_buffer(data, 480, height=480).jpegsave_buffer(Q=80, strip=True, interlace=True)
        print("%.3f %d %s" % ((time.perf_counter() - t) * 1000, len(out), path))
"""


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def timings(output):
    return [float(line.split()[0]) for line in output.splitlines() if line.strip()]


def stored_variants(darkroom, photos):
    """Each photo's stored `large` JPEG (1024x768 fit-inside, as the resize stage makes it), with the
    original's size."""
    import pyvips
    folder = tempfile.mkdtemp(prefix="darkroom-large-")
    bench.run([darkroom, "variants", "-o", folder, "--variants", "resize:large=1024x768:jpeg"] + photos)
    pairs = []
    for photo in photos:
        name = os.path.basename(photo)
        large = glob.glob(os.path.join(folder, name, "large*.jpg")) or glob.glob(os.path.join(folder, os.path.splitext(name)[0], "large*.jpg"))
        original = pyvips.Image.new_from_file(photo)
        turned = "orientation" in original.get_fields() and original.get("orientation") >= 5
        width, height = (original.height, original.width) if turned else (original.width, original.height)
        pairs.append((photo, large[0], width, height))
    return pairs


def in_process(darkroom, pairs):
    out = tempfile.mkdtemp()
    results = {}
    photos = [p for p, _, _, _ in pairs]
    results["Darkroom render, from the original"] = timings(bench.run(
        [darkroom, "render", "--times", "--rounds", str(ROUNDS), "--width", "480", "--height", "480", "--quality", "80", "-o", out] + photos).stdout)
    stored = []
    for photo, large, width, height in pairs:
        stored += timings(bench.run([darkroom, "render", "--times", "--rounds", str(ROUNDS), "--width", "480", "--height", "480",
                                     "--quality", "80", "--original", f"{width}x{height}", "-o", out, large]).stdout)
    results["Darkroom render, from the stored 1024 px JPEG"] = stored
    results["pyvips thumbnail_buffer, from the original (the floor)"] = timings(bench.run(
        [sys.executable, "-c", PYVIPS_RENDER, str(ROUNDS)] + photos).stdout)
    results["pyvips thumbnail_buffer, from the stored 1024 px JPEG"] = timings(bench.run(
        [sys.executable, "-c", PYVIPS_RENDER, str(ROUNDS)] + [large for _, large, _, _ in pairs]).stdout)
    big = os.path.join(bench.INPUTS, "generated-24mp-baseline.jpg")
    results["Darkroom render, a 24 MP original"] = timings(bench.run(
        [darkroom, "render", "--times", "--rounds", str(ROUNDS), "--width", "480", "--height", "480", "--quality", "80", "-o", out, big]).stdout)
    results["pyvips thumbnail_buffer, a 24 MP original"] = timings(bench.run([sys.executable, "-c", PYVIPS_RENDER, str(ROUNDS), big]).stdout)
    return results


def webp_efforts(darkroom, pairs):
    out = tempfile.mkdtemp()
    rows = {}
    for effort in range(7):
        ms, sizes = [], []
        for photo, large, width, height in pairs:
            lines = bench.run([darkroom, "render", "--times", "--rounds", str(max(3, ROUNDS // 3)), "--width", "480", "--height", "480",
                               "--format", "webp", "--quality", "80", "--effort", str(effort), "--original", f"{width}x{height}",
                               "-o", out, large]).stdout.splitlines()
            ms += [float(line.split()[0]) for line in lines]
            sizes.append(int(lines[0].split()[1]))
        rows[effort] = (statistics.median(ms), statistics.median(sizes))
    return rows


def serve(darkroom, folder, variants=None):
    options = ["--variants", variants] if variants else []
    process = subprocess.Popen([darkroom, "serve", folder, "--port", "0", *options], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               text=True)
    line = process.stdout.readline()
    base = line.split(" at ")[1].split("/ ")[0].rstrip("/")
    return process, base


def darkroom_urls(darkroom, photos, variants=None):
    """`darkroom serve` over a folder `darkroom process` wrote; a 480x480 JPEG q80 rendition URL per photo."""
    import requests
    folder = tempfile.mkdtemp(prefix="darkroom-render-")
    bench.run([darkroom, "process", "-o", folder] + (["--variants", variants] if variants else []) + photos)
    process, base = serve(darkroom, folder, variants)
    ids = [item["imageId"] for item in requests.get(base + "/v1/images?limit=100", timeout=30).json()["items"]]
    urls = [requests.post(f"{base}/v1/images/{i}/renditions", json={"width": BOX, "height": BOX, "format": "jpeg", "quality": QUALITY},
                          timeout=30).json()["url"] for i in ids]
    return process, urls


def thumbor(photos):
    """thumbor 7.8 in its own virtual environment over a folder of the photos; its URLs for the same output."""
    python = os.path.join(THUMBOR_VENV, "bin", "python")
    if not os.path.exists(os.path.join(THUMBOR_VENV, "bin", "thumbor")):
        bench.run([sys.executable, "-m", "venv", THUMBOR_VENV])
        bench.run([python, "-m", "pip", "install", "-q", "thumbor==7.8.*"])
    folder = tempfile.mkdtemp(prefix="thumbor-")
    for photo in photos:
        shutil.copy(photo, folder)
    config = os.path.join(folder, "thumbor.conf")
    open(config, "w").write(f"LOADER = 'thumbor.loaders.file_loader'\nFILE_LOADER_ROOT_PATH = '{folder}'\n"
                            "STORAGE = 'thumbor.storages.no_storage'\nRESULT_STORAGE = None\nALLOW_UNSAFE_URL = True\n"
                            f"QUALITY = {QUALITY}\nAUTO_WEBP = False\nRESPECT_ORIENTATION = True\nMAX_AGE = 0\n")
    port = bench_port()
    process = subprocess.Popen([os.path.join(THUMBOR_VENV, "bin", "thumbor"), "-p", str(port), "-c", config, "-l", "error"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    urls = [f"{base}/unsafe/fit-in/{BOX}x{BOX}/filters:quality({QUALITY}):strip_exif()/{os.path.basename(p)}" for p in photos]
    import requests
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if requests.get(base + "/healthcheck", timeout=2).status_code == 200:
                break
        except requests.RequestException:
            time.sleep(0.3)
    return process, urls


def bench_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def over_http(urls):
    """Sequential latencies (ms) over every URL, ROUNDS times; then renders per second at two clients.
    A connection per request, for every server alike: FlyingFox (darkroom serve's server) writes
    headers and body apart, and on a kept-alive connection Nagle holds the body for the client's
    delayed ACK, 40 ms a request that is the library's and not the render's."""
    import requests
    session = requests
    for url in urls:  # warm: each server's first request pays its own start
        answer = session.get(url, timeout=60)
        assert answer.status_code == 200, (url, answer.status_code, answer.text[:200])
        from PIL import Image
        import io
        size = Image.open(io.BytesIO(answer.content)).size
        assert max(size) == BOX, (url, size)
    latencies = []
    for _ in range(ROUNDS):
        for url in urls:
            started = time.perf_counter()
            session.get(url, timeout=60).content
            latencies.append((time.perf_counter() - started) * 1000)
    work = urls * ROUNDS
    sessions = threading.local()

    def fetch(url):
        return requests.get(url, timeout=60).status_code

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        statuses = list(pool.map(fetch, work))
    elapsed = time.perf_counter() - started
    assert set(statuses) == {200}
    return latencies, len(work) / elapsed


class SecretsDouble:
    """Answers GetSecretValue for the cold-start measurement (no signature check: nothing is tested here)."""

    def __init__(self):
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def setup(self):
                super().setup()
                # Headers and body go out at once, as a real service's do (Nagle would hold the body
                # for the client's delayed ACK on a kept-alive connection: 40 ms a request).
                import socket
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                found = body.get("VersionStage", "AWSCURRENT") == "AWSCURRENT"
                answer = json.dumps({"SecretString": "k" * 48} if found else {"__type": "ResourceNotFoundException", "message": "no"}).encode()
                self.send_response(200 if found else 400)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


def cold_starts(bin_path):
    double = SecretsDouble()
    lean = {"LD_LIBRARY_PATH": os.path.join(bench.LEAN, "lib")}
    render_env = dict(lean, DARKROOM_SIMILAR_TABLE="s", DARKROOM_RENDITION_KEY_SECRET="arn:aws:secretsmanager:us-east-1:1:secret:k",
                      AWS_ENDPOINT_URL_SECRETS_MANAGER=double.url)
    contenders = {"render (lean libvips; its key read from Secrets Manager at init)": (os.path.join(bin_path, "render"), render_env),
                  "resize (lean libvips)": (os.path.join(bin_path, "resize"), lean),
                  "thumbnail (lean libvips)": (os.path.join(bin_path, "thumbnail"), lean)}
    rounds = bench.in_turn(contenders, lambda contender: bench.lambda_start(*contender), 5 if QUICK else 21)
    double.server.shutdown()
    return {name: (statistics.median(n for n, _ in times), statistics.median(r for _, r in times)) for name, times in rounds.items()}


def main():
    os.makedirs(bench.RESULTS, exist_ok=True)
    print("renditions: building", file=sys.stderr)
    bin_path = bench.run([os.path.join(ROOT, "scripts", "build-functions"), "darkroom", "render", "resize", "thumbnail"], cwd=ROOT).stdout.strip()
    darkroom = os.path.join(bin_path, "darkroom")
    bench.run([os.path.join(ROOT, "scripts", "build-layer"), bench.LEAN])
    inputs = bench.prepare_inputs()
    photos = [p for p in inputs if os.path.basename(p).startswith("photo-")]
    pairs = stored_variants(darkroom, photos)
    print("renditions: in process", file=sys.stderr)
    local = in_process(darkroom, pairs)
    print("renditions: WebP efforts", file=sys.stderr)
    efforts = webp_efforts(darkroom, pairs)
    print("renditions: over HTTP", file=sys.stderr)
    http = {}
    for name, start in [("Darkroom (darkroom serve), from the smallest adequate stored variant", lambda: darkroom_urls(darkroom, photos)),
                        ("Darkroom (darkroom serve), from the original", lambda: darkroom_urls(darkroom, photos, "thumbnail:small=150")),
                        ("thumbor 7.8", lambda: thumbor(photos))]:
        process, urls = start()
        try:
            http[name] = over_http(urls)
        finally:
            process.kill()
            process.wait()
    print("renditions: cold starts", file=sys.stderr)
    starts = cold_starts(bin_path)
    write(local, efforts, http, starts, len(photos))


def write(local, efforts, http, starts, count):
    med = {name: statistics.median(values) for name, values in local.items()}
    lines = ["# Renditions", "", f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores; {count} camera photos "
             f"(bench/inputs), each fit into {BOX}x{BOX} as JPEG q{QUALITY}, {ROUNDS} rounds. `python3 bench/renditions.py`.", "",
             "## In process (from bytes in memory to encoded bytes)", "", "| contender | p50 ms | p95 ms |", "|---|---:|---:|"]
    for name, values in local.items():
        lines.append(f"| {name} | {statistics.median(values):.1f} | {percentile(values, 95):.1f} |")
    from_variant = med["Darkroom render, from the stored 1024 px JPEG"] / med["Darkroom render, from the original"]
    floor = med["Darkroom render, a 24 MP original"] / med["pyvips thumbnail_buffer, a 24 MP original"]
    lines += ["", f"- From the stored variant: {from_variant:.2f}x the time from the original (target at most 0.50x).",
              f"- From a 24 MP original: {floor:.2f}x pyvips' thumbnail_buffer (target at most 1.10x).", "",
              "## Over HTTP", "", "| server | p50 ms | p95 ms | renders/s, 2 clients |", "|---|---:|---:|---:|"]
    for name, (latencies, rate) in http.items():
        lines.append(f"| {name} | {statistics.median(latencies):.1f} | {percentile(latencies, 95):.1f} | {rate:.1f} |")
    ratio = http["Darkroom (darkroom serve), from the smallest adequate stored variant"][1] / http["thumbor 7.8"][1]
    original = http["Darkroom (darkroom serve), from the original"][1] / http["thumbor 7.8"][1]
    served = statistics.median(http["Darkroom (darkroom serve), from the smallest adequate stored variant"][0])
    lines += ["", f"- Throughput against thumbor on the same outputs: {ratio:.2f}x from the stored variants the service "
              f"chooses (the default set's 600 px large-thumb for a 480 px box), {original:.2f}x from the original "
              f"(target at least 2.5x). From the chosen variant over HTTP: {served / statistics.median(http['Darkroom (darkroom serve), from the original'][0]):.2f}x "
              "the time from the original. Published figures to "
              "hold beside these: imgproxy about 25 ms per 2K JPEG fit into 512 px on 2 vCPUs, thumbor about 39 ms.", "",
              "## WebP effort (a 480 px WebP from the stored 1024 px JPEG, q80)", "", "| effort | p50 ms | median bytes |", "|---:|---:|---:|"]
    for effort, (ms, size) in efforts.items():
        lines.append(f"| {effort} | {ms:.1f} | {int(size):,} |")
    lines += ["", "## Cold start (exec to the first GET /next; to the first response)", "", "| function | to /next ms | to response ms |",
              "|---|---:|---:|"]
    for name, (first, response) in starts.items():
        lines.append(f"| {name} | {first:.1f} | {response:.1f} |")
    open(os.path.join(bench.RESULTS, "RENDITIONS.md"), "w").write("\n".join(lines) + "\n")
    json.dump({"render_ms_from_variant": med["Darkroom render, from the stored 1024 px JPEG"],
               "render_ms_from_original": med["Darkroom render, from the original"],
               "webp_efforts": {str(k): v for k, v in efforts.items()}},
              open(os.path.join(bench.RESULTS, "renditions.json"), "w"), indent=1)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
