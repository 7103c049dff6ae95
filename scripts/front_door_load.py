"""The front door under abuse (`scripts/load --front-door`): several users upload through the API
at once, each at a person's pace (ask for a form, post the photo, wait for the image), first alone
and then while one abuser hammers POST /v1/uploads as fast as it can and re-posts every form it
gets. Measured, not asserted: the others' time from form to image in both runs, what the abuser was
refused (429 by limit, `upload_reused`), and whether anything was lost. Writes
bench/results/FRONT_DOOR.md; exits 1 only when an upload was lost or an image of the others did not
complete."""
import collections, io, json, os, platform, statistics, subprocess, sys, threading, time
from concurrent.futures import ThreadPoolExecutor

import requests

FINAL = ("COMPLETED", "REJECTED", "FAILED", "QUARANTINED")


def photos(root, side=1200):
    """The sample photos as 1200 px JPEGs: what a phone sends after its own resize."""
    from PIL import Image
    made = []
    for name in sorted(os.listdir(os.path.join(root, "samples"))):
        if name.endswith(".jpg"):
            image = Image.open(os.path.join(root, "samples", name)).convert("RGB")
            image.thumbnail((side, side))
            buffer = io.BytesIO()
            image.save(buffer, "JPEG", quality=85)
            made.append(buffer.getvalue())
    return made


class User:
    def __init__(self, stack, sub):
        self.api = stack["api"]
        token = requests.post(stack["token_url"], json={"sub": sub}, timeout=10).json()["token"]
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def ask(self, data):
        return self.session.post(self.api + "/uploads", json={"filename": "p.jpg", "contentType": "image/jpeg", "bytes": len(data)},
                                 timeout=60)

    @staticmethod
    def post(form, data):
        return requests.post(form["post"]["url"], data=form["post"]["fields"], files={"file": ("p.jpg", data, "image/jpeg")},
                             timeout=60).status_code

    def wait(self, upload_id, timeout=600):
        deadline = time.time() + timeout
        while time.time() < deadline:
            status = self.session.get(f"{self.api}/uploads/{upload_id}", allow_redirects=False, timeout=60)
            if status.status_code == 303:
                return status.json()["status"]
            time.sleep(0.25)
        return "NEVER"

    def upload(self, data):
        """Form to final status, asking again after Retry-After when refused: (status, seconds)."""
        started = time.time()
        while True:
            answer = self.ask(data)
            if answer.status_code != 429:
                break
            time.sleep(float(answer.headers.get("Retry-After", "1")))
        if answer.status_code != 201:
            return f"ask {answer.status_code}", time.time() - started
        form = answer.json()
        if self.post(form, data) != 204:
            return "post failed", time.time() - started
        return self.wait(form["uploadId"]), time.time() - started


def run_stack(root, log, params, instances, workers):
    command = [sys.executable, os.path.join(root, "harness", "local_stack.py"), "--json", "--no-build", "--log", log,
               "--instances", str(instances), "--workers", str(workers)]
    for name, value in params.items():
        command += ["--param", f"{name}={value}"]
    return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=root)


def one_run(root, users, uploads, abuse, instances, workers, params):
    """One stack: `users` users with `uploads` uploads each, and the abuser when `abuse`."""
    import boto3
    log = os.path.join(root, "build", f"front-door-{'abuse' if abuse else 'alone'}.log")
    os.makedirs(os.path.dirname(log), exist_ok=True)
    process = run_stack(root, log, params, instances, workers)
    try:
        stack = json.loads(process.stdout.readline())
        bodies = photos(root)
        people = [User(stack, f"user-{n}") for n in range(users)]
        stop = threading.Event()
        abuser = collections.Counter()
        counting = threading.Lock()
        forms = []

        def count(name, n=1):
            with counting:
                abuser[name] += n

        def hammer():
            mallory = User(stack, "mallory")
            data = bodies[0]
            while not stop.is_set():
                answer = mallory.ask(data)
                count("asked")
                if answer.status_code == 201:
                    count("forms")
                    form = answer.json()
                    forms.append(form)
                    # Re-posted: each post is another version of the form's key, another event.
                    for _ in range(3):
                        count("posted", User.post(form, data) == 204)
                else:
                    body = answer.json() if answer.headers.get("Content-Type", "").startswith("application/problem") else {}
                    count(f"{answer.status_code} {body.get('limit', body.get('code', ''))}")

        hammers = [threading.Thread(target=hammer) for _ in range(2 if abuse else 0)]
        for thread in hammers:
            thread.start()
        started = time.time()
        with ThreadPoolExecutor(users) as pool:
            def person(n):
                return [people[n].upload(bodies[(n + i) % len(bodies)]) for i in range(uploads)]
            results = [r for rs in pool.map(person, range(users)) for r in rs]
        others_wall = time.time() - started
        stop.set()
        for thread in hammers:
            thread.join()
        # The abuser's executions finish; then every record is counted.
        session = dict(endpoint_url=stack["endpoint"], region_name=stack["region"], aws_access_key_id=stack["accessKeyId"],
                       aws_secret_access_key=stack["secretAccessKey"])
        dynamodb = boto3.client("dynamodb", **session)
        deadline = time.time() + 900
        while True:
            items = [i for page in dynamodb.get_paginator("scan").paginate(TableName=stack["table"]) for i in page["Items"]
                     if "source" in i and "mallory" not in i["imageId"]["S"]]
            open_ = sum(1 for i in items if i["status"]["S"] not in FINAL)
            if (open_ == 0 and len(items) >= len(results) + abuser["posted"]) or time.time() > deadline:
                break
            time.sleep(2)
        drained = time.time() - started
    finally:
        process.stdin.close()
        process.wait(timeout=120)
    mallory_keys = {f["post"]["fields"]["key"] for f in forms}
    outcomes = collections.Counter()
    for item in items:
        if item["source"]["M"]["key"]["S"] in mallory_keys:
            outcomes[item["status"]["S"] + (f" {item['reason']['S']}" if "reason" in item else "")] += 1
    return {"results": results, "wall": others_wall, "drained": drained, "abuser": abuser, "abuser_outcomes": outcomes,
            "records": len(items), "expected": len(results) + abuser["posted"],
            "open": sum(1 for i in items if i["status"]["S"] not in FINAL)}


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def main(root, args):
    defaults = {"QuotaInFlight": 20, "QuotaUploadsPerMinute": 60, "QuotaImagesPerDay": 500}  # the template's
    # The template's ratio: QuotaInFlight 20 against StageConcurrency 100, a fifth of the capacity;
    # here the capacity is the executions run at once.
    scaled = dict(defaults, QuotaInFlight=max(1, args.workers // 5))
    plan = [("alone", False, defaults), ("with the abuser, the defaults", True, defaults),
            (f"with the abuser, QuotaInFlight {scaled['QuotaInFlight']} (a fifth of {args.workers})", True, scaled)]
    runs = {label: (abuse, one_run(root, args.users, args.uploads, abuse, args.instances, args.workers, params))
            for label, abuse, params in plan}
    lines = []
    failures = []
    for label, (abuse, run) in runs.items():
        times = [t for status, t in run["results"]]
        statuses = collections.Counter(status for status, _ in run["results"])
        if statuses != {"COMPLETED": len(run["results"])}:
            failures.append(f"{label}: the others' uploads ended {dict(statuses)}")
        if run["records"] < run["expected"] or run["open"]:
            failures.append(f"{run['expected']} uploads posted, {run['records']} records, {run['open']} not final")
        lines.append(f"| {label} | {len(times)} | {', '.join(f'{n} {s}' for s, n in statuses.items())} "
                     f"| {statistics.median(times):.1f} s | {percentile(times, 0.95):.1f} s | {max(times):.1f} s | {run['wall']:.0f} s |")
    abusers = []
    for label, (abuse, run) in runs.items():
        if not abuse:
            continue
        refused = {k: v for k, v in run["abuser"].items() if k[:1].isdigit()}
        abusers.append(f"""- {label}: {run['abuser']['asked']} forms asked for, {run['abuser']['forms']} given, refused
  {', '.join(f'{n} x {k}' for k, n in sorted(refused.items())) or 'never'}; {run['abuser']['posted']} posts of those forms ended
  {', '.join(f'{n} {k}' for k, n in sorted(run['abuser_outcomes'].items()))}. Records: {run['records']} for {run['expected']}
  posts, {run['open']} not final once the run drained ({run['drained']:.0f} s).""")
    machine = f"{platform.machine()}, {os.cpu_count()} cores"
    report = f"""# The front door under abuse

`scripts/load --front-door`: {args.users} users, each uploading {args.uploads} photos (1200 px JPEG) at a person's pace through
the local stack's API (ask for a form, post the photo, poll until the image is final; a 429 waits
for its Retry-After), first alone, then while one abuser (two threads, no pause) asks for forms
as fast as the API answers and posts every form it gets three times. Limits: the template's
defaults (`QuotaInFlight` 20, `QuotaUploadsPerMinute` 60, `QuotaImagesPerDay` 500), then the same
with `QuotaInFlight` at the template's share of the capacity. {args.instances} processes
per function, {args.workers} executions at once, debug builds, moto in one Python process. Machine: {machine}.

| run | the others' uploads | outcome | form to image, median | p95 | slowest | wall |
|---|---|---|---|---|---|---|
{chr(10).join(lines)}

The abuser:
{chr(10).join(abusers)}

Checks failed: {len(failures)}{': ' + '; '.join(failures) if failures else ''}.
"""
    path = os.path.join(root, "bench", "results", "FRONT_DOOR.md")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    open(path, "w").write(report)
    print(report)
    return 1 if failures else 0
