#!/usr/bin/env python3
"""Each pixel stage's duration and peak memory at each Lambda memory size, for the bench's heaviest
photo, and the size that makes duration x memory smallest. Lambda gives a function CPU in
proportion to its memory (one vCPU at 1,769 MB); here each size's share is a CPU quota of a cgroup
the function runs in (`cpu.cfs_quota_us`, cgroup v1, or `cpu.max`, cgroup v2; root needed). The
functions are the shipped builds (scripts/build-functions), invoked through a local Runtime API
against moto, as scripts/package runs them. Writes bench/results/MEMORY.md. Never part of the tests.

    scripts/memory-curve [--rounds N]
"""
import argparse, glob, importlib.util, json, os, signal, statistics, subprocess, sys, time, uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "harness"))
import local_aws  # noqa: E402
import local_stack  # noqa: E402
import template_facts  # noqa: E402
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import cost  # noqa: E402
from local_lambda import Function, LambdaHost  # noqa: E402

# The stages that carry libvips (the ones whose memory matters), from template.yaml.
STAGES = template_facts.pixel_functions()
SIZES_MB = [128, 256, 512, 768, 1024, 1280, 1536, 1769, 2048, 2560, 3008, 3538]
ONE_VCPU_MB = 1769                      # Lambda's memory for one full vCPU
PRICE_GB_SECOND = cost.PRICE_GB_SECOND["arm64"]  # kept once, in scripts/cost.py
PERIOD_US = 100_000
HEADROOM = 1.25                         # a size must hold the peak this many times over
NOISE = 0.05                            # costs this close to the cheapest are the same, as far as this machine can tell
RESULTS = os.path.join(ROOT, "bench", "results", "MEMORY.md")


class CPUShare:
    """A cgroup whose processes get `share` CPUs at most (v2 if mounted alone, else v1's cpu)."""

    def __init__(self, share):
        name = f"darkroom-curve-{uuid.uuid4().hex[:8]}"
        quota = max(1000, int(PERIOD_US * share))
        if os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
            self.path = os.path.join("/sys/fs/cgroup", name)
            os.mkdir(self.path)
            open(os.path.join(self.path, "cpu.max"), "w").write(f"{quota} {PERIOD_US}")
        else:
            self.path = os.path.join("/sys/fs/cgroup/cpu", name)
            os.mkdir(self.path)
            open(os.path.join(self.path, "cpu.cfs_period_us"), "w").write(str(PERIOD_US))
            open(os.path.join(self.path, "cpu.cfs_quota_us"), "w").write(str(quota))

    def command(self, executable):
        # The shell joins the cgroup, then becomes the function: its threads are all inside.
        return ["/bin/sh", "-c", f'echo $$ > {self.path}/cgroup.procs && exec "$0"', executable]

    def remove(self):
        try:
            os.rmdir(self.path)
        except OSError:
            pass


def peak_rss_mb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def bench_inputs():
    spec = importlib.util.spec_from_file_location("bench", os.path.join(ROOT, "bench", "bench.py"))
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench.prepare_inputs()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="invocations measured per size (after one warm-up)")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # the cgroups and servers are undone on the way out
    if not os.path.exists("/sys/fs/cgroup/cgroup.controllers") and not os.path.exists("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"):
        sys.exit("memory-curve needs a cgroup CPU controller (v2 cpu.max or v1 cpu.cfs_quota_us) and root")
    print("building the functions as they ship", file=sys.stderr)
    bin_path = subprocess.run([os.path.join(ROOT, "scripts", "build-functions"), *STAGES], cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout.strip()
    inputs = [p for p in bench_inputs() if p.endswith((".jpg", ".png", ".heic"))]

    import boto3
    moto, endpoint, key, secret = local_aws.start_moto()
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name=local_aws.REGION, aws_access_key_id=key, aws_secret_access_key=secret)
    resources = local_stack.create_resources(endpoint, key, secret)
    environment = {
        "AWS_REGION": local_aws.REGION, "AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret, "AWS_ENDPOINT_URL": endpoint,
        "DARKROOM_TABLE": local_stack.TABLE, "DARKROOM_DERIVED_BUCKET": local_stack.DERIVED,
        "DARKROOM_ARCHIVE_BUCKET": local_stack.ARCHIVE, "DARKROOM_TOPIC_ARN": resources["topicArn"],
        "DARKROOM_MODERATION": "off", "VIPS_WARNING": "0", "LOG_LEVEL": "ERROR", "PATH": "/usr/bin:/bin",
    }

    def host_for(stage, command):
        host = LambdaHost()
        host.add(Function(stage, environment=environment, command=command, timeout=300))
        host.start()
        return host

    def invoke(host, stage, payload):
        started = time.perf_counter()
        _, body, error = host.functions[stage].invoke(json.dumps(payload).encode())
        elapsed = (time.perf_counter() - started) * 1000
        if error:
            raise RuntimeError(f"{stage}: {error} {body[:300]!r}")
        return json.loads(body), elapsed

    try:
        # Each input through validate and metadata once, at full CPU: the events each stage gets.
        events = {}
        full = host_for("validate", [os.path.join(bin_path, "validate")])
        meta = host_for("metadata", [os.path.join(bin_path, "metadata")])
        resize = host_for("resize", [os.path.join(bin_path, "resize")])
        seconds = {}
        for path in inputs:
            upload_key = f"uploads/curve/{os.path.basename(path)}"
            s3.upload_file(path, local_stack.UPLOADS, upload_key)
            head = s3.head_object(Bucket=local_stack.UPLOADS, Key=upload_key)
            event = {"source": "aws.s3", "detail-type": "Object Created",
                     "detail": {"bucket": {"name": local_stack.UPLOADS},
                                "object": {"key": upload_key, "size": head["ContentLength"], "etag": head["ETag"].strip('"')}}}
            job, _ = invoke(full, "validate", event)
            job, _ = invoke(meta, "metadata", job)
            events[path] = {"validate": event, "metadata": job, "resize": job, "thumbnail": job}
            _, seconds[path] = invoke(resize, "resize", job)
        for host in (full, meta, resize):
            host.stop()
        # The 99th percentile of the bench's inputs by resize time (nearest rank: with fewer than a
        # hundred inputs, the slowest).
        ranked = sorted(inputs, key=lambda p: seconds[p])
        heaviest = ranked[min(len(ranked) - 1, int(0.99 * len(ranked)))]
        print(f"99th-percentile input: {os.path.basename(heaviest)}", file=sys.stderr)

        rows = {stage: [] for stage in STAGES}
        for stage in STAGES:
            # Largest first; the first size too small for the peak is the last one measured.
            for size in sorted(SIZES_MB, reverse=True):
                share = min(size / ONE_VCPU_MB, os.cpu_count() or 1)
                group = CPUShare(share)
                host = host_for(stage, group.command(os.path.join(bin_path, stage)))
                try:
                    invoke(host, stage, events[heaviest][stage])  # the cold start is not what is measured
                    durations = [invoke(host, stage, events[heaviest][stage])[1] for _ in range(args.rounds)]
                    peak = peak_rss_mb(host.functions[stage].process.pid)
                finally:
                    host.stop()
                    group.remove()
                median = statistics.median(durations)
                rows[stage].insert(0, {"mb": size, "vcpu": share, "ms": median, "peak": peak,
                                       "cost": median / 1000 * size / 1024 * PRICE_GB_SECOND * 1e6})
                print(f"{stage:9} {size:5} MB  {share:4.2f} vCPU  {median:8.1f} ms  peak {peak:6.1f} MB", file=sys.stderr)
                if not holds_peak(rows[stage][0]):
                    break
    finally:
        moto.shutdown()
    write_report(os.path.basename(heaviest), rows, args.rounds)


def holds_peak(point):
    """Whether the point's memory size holds its peak with HEADROOM to spare."""
    return point["peak"] * HEADROOM <= point["mb"]


def choose(points):
    """The size that makes duration x memory smallest, among those that hold the peak with room
    to spare; of the sizes within NOISE of that cost, the fastest (below one vCPU the cost of CPU-bound
    work is flat in theory: half the memory, half the CPU, twice the time)."""
    fits = [p for p in points if holds_peak(p)] or points
    cheapest = min(p["cost"] for p in fits)
    return min((p for p in fits if p["cost"] <= cheapest * (1 + NOISE)), key=lambda p: p["ms"])


def write_report(heaviest, rows, rounds):
    lines = [
        "# Memory sizes by measurement", "",
        f"Written by `scripts/memory-curve` on {time.strftime('%Y-%m-%d')}. Each pixel stage, as it ships, invoked through a "
        f"local Runtime API against moto with the bench's 99th-percentile input (`{heaviest}`, by resize time), "
        f"{rounds} warm invocations per size (median), the CPU held to Lambda's share for that memory "
        f"({ONE_VCPU_MB} MB = one vCPU; this machine has {os.cpu_count()}, so sizes above {ONE_VCPU_MB * (os.cpu_count() or 1)} MB "
        "cannot be told apart here). Duration is the whole invocation as Lambda bills it, AWS calls to moto included. "
        f"Peak is the function's resident memory high-water mark; a size must hold it {HEADROOM} times over. "
        f"Chosen: the smallest duration x memory; of the sizes within {NOISE:.0%} of it (this machine's noise), the fastest.", "",
    ]
    chosen = {}
    for stage, points in rows.items():
        best = choose(points)
        chosen[stage] = best
        lines += [f"## {stage}", "", "| memory MB | vCPU | median ms | peak MB | $ per million (duration, arm64) |", "|---:|---:|---:|---:|---:|"]
        for p in points:
            mark = " **(chosen)**" if p is best else "" if holds_peak(p) else " (too small for its peak)"
            lines.append(f"| {p['mb']}{mark} | {p['vcpu']:.2f} | {p['ms']:.0f} | {p['peak']:.0f} | {p['cost']:.2f} |")
        lines.append("")
    lines += ["## Chosen", "", "| stage | memory MB | median ms | $ per million |", "|---|---:|---:|---:|"]
    for stage, p in chosen.items():
        lines.append(f"| {stage} | {p['mb']} | {p['ms']:.0f} | {p['cost']:.2f} |")
    os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
    open(RESULTS, "w").write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
