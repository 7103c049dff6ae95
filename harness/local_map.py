"""The parts of a Distributed Map that moto 5.2's interpreter cannot run, run here from the same
ASL (statemachine/rederive.asl.json, both its jobs), as AWS's documentation describes them. moto parses no
ItemBatcher and no JSONL reader, runs no Express children and ignores the tolerated-failure
threshold, so it cannot run the rederive definition at all. This runner interprets the parent
(Task with lambda:invoke, Map in DISTRIBUTED mode, Choice with And, Or and Not, Pass, Succeed, Fail) and hands each
batch to moto as a child execution of the ItemProcessor's own definition, which moto's interpreter
does run (inline Map, Parallel, Task, Choice, Catch, Retry). What it honours, each held to AWS's
documentation by Tests/EndToEnd/test_local_map.py:

- ItemReader: `s3:getObject` with ReaderConfig InputType JSONL, JSON or CSV (first line the
  header, or CSVHeaders given), and `s3:listObjectsV2` (every page: Key, Size, Etag,
  LastModified, StorageClass); `s3:getObject` with InputType MANIFEST, an S3 Inventory report
  (its manifest.json, then each gzipped CSV file it names, a row an item keyed by the manifest's
  fileSchema, every value a string); MaxItems. No PARQUET reader, and no inventory in ORC or
  Parquet: such a reader fails the Map with States.ItemReaderFailed.
- ItemSelector, with $$.Map.Item.Index and $$.Map.Item.Value.
- ItemBatcher: MaxItemsPerBatch(Path), MaxInputBytesPerBatch(Path) (at most 256 KiB), BatchInput;
  each child's input is {"BatchInput": ..., "Items": [...]}.
- MaxConcurrency(Path): at most that many children at once (0: no bound; here 40).
- ToleratedFailurePercentage(Path) and ToleratedFailureCount(Path): failed and timed-out items
  over all items (a failed child's items all count as failed); exceeding either stops starting
  children, lets the running ones end, and fails the Map with States.ExceedToleratedFailureThreshold.
  With neither given, one failed item fails the Map (AWS's default, 0).
- ProcessorConfig ExecutionType: EXPRESS children are stopped and counted TIMED_OUT after five
  minutes, Express's limit; STANDARD children are not.
- ResultWriter `s3:putObject` with Bucket and Prefix: `PREFIX/MAP_RUN_ID/manifest.json` and
  `SUCCEEDED_0.json`, `FAILED_0.json`, `PENDING_0.json` in ResultWriter's format, written also
  when the Map fails; the Map's output is then {"MapRunArn", "ResultWriterDetails"}.
- ListMapRuns and DescribeMapRun answer for the runs made here (status, item and execution counts).

Not emulated: redrive, Label, a run's 25,000-event history limit,
child execution names as AWS makes them (here NAME-BATCH), and JSONata. Children run in moto as
Express state machines, whose executions moto runs like Standard ones (with a history).
"""
import copy
import csv
import datetime
import io
import json
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

EXPRESS_LIMIT_SECONDS = 300
UNBOUNDED_CONCURRENCY = 40
MAX_BATCH_BYTES = 256 * 1024


class StatesError(Exception):
    """A state's failure, as Step Functions names it (an error and a cause)."""

    def __init__(self, error, cause=""):
        super().__init__(f"{error}: {cause}")
        self.error, self.cause = error, cause


def read_path(document, path, context=None):
    """A reference path: `$`, `$.a.b`, `$.a[0]`, or `$$.` for the context object."""
    if path.startswith("$$"):
        document, path = context or {}, path[1:]
    if path == "$":
        return document
    value = document
    for part in path[2:].replace("]", "").replace("[", ".").split("."):
        if isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            raise StatesError("States.Runtime", f"the JSONPath {path} could not be found in the input")
    return value


def write_path(document, path, value):
    """`ResultPath`: the result in place of the input, at a path in it, or (None) discarded."""
    if path is None:
        return document
    if path == "$":
        return value
    document = copy.deepcopy(document) if isinstance(document, dict) else {}
    target = document
    parts = path[2:].split(".")
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value
    return document


def resolve(template, document, context=None):
    """Parameters, ItemSelector, ResultSelector, BatchInput: `KEY.$` read from the document."""
    if isinstance(template, dict):
        out = {}
        for key, value in template.items():
            if key.endswith(".$"):
                out[key[:-2]] = read_path(document, value, context)
            else:
                out[key] = resolve(value, document, context)
        return out
    if isinstance(template, list):
        return [resolve(v, document, context) for v in template]
    return template


def setting(state, name, document, default=None):
    """A field given as a number or as NAMEPath."""
    if name in state:
        return state[name]
    if name + "Path" in state:
        return read_path(document, state[name + "Path"])
    return default


def matches(error, equals):
    return "States.ALL" in equals or error in equals


class MapRun:
    """A map run as ListMapRuns and DescribeMapRun tell it."""

    def __init__(self, execution_arn, label, tolerated_percentage, tolerated_count, concurrency):
        self.id = str(uuid.uuid4())
        self.arn = f"{execution_arn.replace(':execution:', ':mapRun:', 1).rsplit(':', 1)[0]}/{label}:{self.id}"
        self.execution_arn = execution_arn
        self.status = "RUNNING"
        self.start = datetime.datetime.now(datetime.timezone.utc)
        self.stop = None
        self.lock = threading.Lock()
        self.items = dict(pending=0, running=0, succeeded=0, failed=0, timedOut=0, aborted=0, total=0, resultsWritten=0)
        self.executions = dict(self.items)
        self.peak_running = 0
        self.tolerated_percentage, self.tolerated_count, self.concurrency = tolerated_percentage, tolerated_count, concurrency

    def move(self, count, frm, to):
        with self.lock:
            for table, n in ((self.items, count), (self.executions, 1)):
                if frm:
                    table[frm] -= n
                table[to] += n
            self.peak_running = max(self.peak_running, self.executions["running"])

    def describe(self):
        with self.lock:
            answer = {"mapRunArn": self.arn, "executionArn": self.execution_arn, "status": self.status, "startDate": self.start,
                      "maxConcurrency": self.concurrency, "toleratedFailurePercentage": float(self.tolerated_percentage or 0),
                      "toleratedFailureCount": int(self.tolerated_count or 0),
                      "itemCounts": dict(self.items, failuresNotRedrivable=0, pendingRedrive=0),
                      "executionCounts": dict(self.executions, failuresNotRedrivable=0, pendingRedrive=0)}
        if self.stop:
            answer["stopDate"] = self.stop
        return answer

    def list_item(self):
        item = {"executionArn": self.execution_arn, "mapRunArn": self.arn, "stateMachineArn": self.arn, "startDate": self.start}
        if self.stop:
            item["stopDate"] = self.stop
        return item


class LocalMapRunner:
    """Runs one definition's executions: `run(execution_arn, name, input)` returns
    ("SUCCEEDED", output) or ("FAILED", (error, cause)). `invoke(function, payload)` calls a
    Lambda function as Step Functions' lambda:invoke does; `sfn` and `s3` are admin clients of moto."""

    def __init__(self, definition, sfn, s3, invoke, role_arn, log=None):
        self.definition, self.sfn, self.s3, self.invoke, self.role_arn = definition, sfn, s3, invoke, role_arn
        self.log = log or (lambda *a: None)
        self.map_runs = {}

    def run(self, execution_arn, name, document):
        context = {"Execution": {"Id": execution_arn, "Name": name, "Input": document}}
        try:
            return "SUCCEEDED", self.states(self.definition, document, context, execution_arn)
        except StatesError as failure:
            return "FAILED", (failure.error, failure.cause)

    def states(self, machine, document, context, execution_arn):
        current = machine["StartAt"]
        while True:
            state = machine["States"][current]
            kind = state["Type"]
            if kind == "Succeed":
                return document
            if kind == "Fail":
                raise StatesError(state.get("Error", "States.Fail"), state.get("Cause", ""))
            if kind == "Choice":
                current = next((c["Next"] for c in state["Choices"] if self.choose(c, document)), state.get("Default"))
                if current is None:
                    raise StatesError("States.NoChoiceMatched", "no choice rule matched and there is no Default")
                continue
            try:
                if kind == "Pass":
                    result = resolve(state["Parameters"], document, context) if "Parameters" in state else state.get("Result", document)
                elif kind == "Task":
                    result = self.task(state, document, context)
                elif kind == "Map":
                    result = self.map(state, document, execution_arn, current)
                else:
                    raise StatesError("States.Runtime", f"the local map runner does not run {kind} states")
            except StatesError as failure:
                caught = next((c for c in state.get("Catch", []) if matches(failure.error, c["ErrorEquals"])), None)
                if not caught:
                    raise
                document = write_path(document, caught.get("ResultPath", "$"), {"Error": failure.error, "Cause": failure.cause})
                current = caught["Next"]
                continue
            if "ResultSelector" in state:
                result = resolve(state["ResultSelector"], result, context)
            document = write_path(document, state.get("ResultPath", "$"), result)
            if "OutputPath" in state:
                document = read_path(document, state["OutputPath"])
            if state.get("End"):
                return document
            current = state["Next"]

    @classmethod
    def choose(cls, rule, document):
        if "And" in rule:
            return all(cls.choose(r, document) for r in rule["And"])
        if "Or" in rule:
            return any(cls.choose(r, document) for r in rule["Or"])
        if "Not" in rule:
            return not cls.choose(rule["Not"], document)
        try:
            value = read_path(document, rule["Variable"])
            present = True
        except StatesError:
            value, present = None, False
        if "IsPresent" in rule:
            return present == rule["IsPresent"]
        if not present:
            return False
        if "IsNull" in rule:
            return (value is None) == rule["IsNull"]
        if "BooleanEquals" in rule:
            return value is rule["BooleanEquals"]
        if "StringEquals" in rule:
            return value == rule["StringEquals"]
        if "NumericGreaterThan" in rule:
            return value > rule["NumericGreaterThan"]
        raise StatesError("States.Runtime", f"the local map runner does not evaluate {rule}")

    def task(self, state, document, context):
        if state["Resource"] != "arn:aws:states:::lambda:invoke":
            raise StatesError("States.Runtime", f"the local map runner invokes Lambda only, not {state['Resource']}")
        parameters = resolve(state["Parameters"], document, context)
        attempts = {}
        while True:
            try:
                payload = self.invoke(parameters["FunctionName"], parameters.get("Payload", document))
                return {"Payload": payload, "StatusCode": 200, "ExecutedVersion": "$LATEST"}
            except StatesError as failure:
                rule = next((r for r in state.get("Retry", []) if matches(failure.error, r["ErrorEquals"])), None)
                if rule is None:
                    raise
                index = state["Retry"].index(rule)
                attempts[index] = attempts.get(index, 0) + 1
                if attempts[index] > rule.get("MaxAttempts", 3):
                    raise
                delay = rule.get("IntervalSeconds", 1) * rule.get("BackoffRate", 2.0) ** (attempts[index] - 1)
                time.sleep(min(delay, rule.get("MaxDelaySeconds", delay)))

    def read_items(self, state, document):
        reader = state["ItemReader"]
        parameters = resolve(reader.get("Parameters", {}), document)
        config = reader.get("ReaderConfig", {})
        try:
            if reader["Resource"] == "arn:aws:states:::s3:listObjectsV2":
                items, token = [], None
                while True:
                    page = self.s3.list_objects_v2(Bucket=parameters["Bucket"], Prefix=parameters.get("Prefix", ""),
                                                   **({"ContinuationToken": token} if token else {}))
                    items += [{"Etag": o["ETag"], "Key": o["Key"], "LastModified": o["LastModified"].isoformat(), "Size": o["Size"],
                               "StorageClass": o.get("StorageClass", "STANDARD")} for o in page.get("Contents", [])]
                    if not page.get("IsTruncated"):
                        break
                    token = page["NextContinuationToken"]
            elif reader["Resource"] == "arn:aws:states:::s3:getObject" and config.get("InputType") == "MANIFEST":
                items = self.inventory(parameters["Bucket"], parameters["Key"])
            elif reader["Resource"] == "arn:aws:states:::s3:getObject":
                kind = config.get("InputType", "JSON")
                body = self.s3.get_object(Bucket=parameters["Bucket"], Key=parameters["Key"])["Body"].read().decode()
                if kind == "JSONL":
                    items = [json.loads(line) for line in body.splitlines() if line.strip()]
                elif kind == "JSON":
                    items = json.loads(body)
                elif kind == "CSV":
                    rows = list(csv.reader(io.StringIO(body), delimiter=config.get("CSVDelimiter", ",").replace("COMMA", ",")))
                    headers = config.get("CSVHeaders") if config.get("CSVHeaderLocation") == "GIVEN" else rows.pop(0) if rows else []
                    items = [dict(zip(headers, row)) for row in rows]
                else:
                    raise StatesError("States.ItemReaderFailed", f"the local map runner reads no {kind} manifests")
            else:
                raise StatesError("States.ItemReaderFailed", f"the local map runner has no reader {reader['Resource']}")
        except StatesError:
            raise
        except Exception as error:  # noqa: BLE001 - S3's refusal, as the reader reports it
            raise StatesError("States.ItemReaderFailed", str(error))
        if not isinstance(items, list):
            raise StatesError("States.ItemReaderFailed", "the items are not a JSON array")
        return items[: config["MaxItems"]] if "MaxItems" in config else items

    def inventory(self, bucket, key):
        """An S3 Inventory report's rows as items: its manifest.json names the data files (gzipped
        CSV, in the manifest's bucket) and their columns (`fileSchema`); each row is an object
        whose fields are those columns' names, every value a string, as the report writes it (a
        key URL-encoded). Inventories in ORC or Parquet are not read (Step Functions reads CSV
        ones only)."""
        import gzip
        manifest = json.loads(self.s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        if manifest.get("fileFormat", "CSV").upper() != "CSV":
            raise StatesError("States.ItemReaderFailed", f"an S3 Inventory in {manifest['fileFormat']} is not read; only CSV")
        columns = [name.strip() for name in manifest["fileSchema"].split(",")]
        items = []
        for data in manifest["files"]:
            body = gzip.decompress(self.s3.get_object(Bucket=bucket, Key=data["key"])["Body"].read()).decode()
            items += [dict(zip(columns, row)) for row in csv.reader(io.StringIO(body)) if row]
        return items

    @staticmethod
    def batches(state, document, items):
        batcher = state.get("ItemBatcher")
        if not batcher:
            return [[item] for item in items], None
        most = setting(batcher, "MaxItemsPerBatch", document) or len(items) or 1
        most_bytes = min(setting(batcher, "MaxInputBytesPerBatch", document) or MAX_BATCH_BYTES, MAX_BATCH_BYTES)
        batch_input = resolve(batcher.get("BatchInput", {}), document)
        batches, current = [], []
        for item in items:
            candidate = current + [item]
            size = len(json.dumps({"BatchInput": batch_input, "Items": candidate}).encode())
            if current and (len(candidate) > most or size > most_bytes):
                batches.append(current)
                candidate = [item]
            current = candidate
        if current:
            batches.append(current)
        return batches, batch_input

    def map(self, state, document, execution_arn, label="Map"):
        if state.get("ItemProcessor", {}).get("ProcessorConfig", {}).get("Mode") != "DISTRIBUTED":
            raise StatesError("States.Runtime", "the local map runner runs Distributed Maps only; moto runs inline ones")
        items = self.read_items(state, document) if "ItemReader" in state else read_path(document, state.get("ItemsPath", "$"))
        if "ItemSelector" in state:
            items = [resolve(state["ItemSelector"], document, {"Map": {"Item": {"Index": i, "Value": v}}}) for i, v in enumerate(items)]
        batches, batch_input = self.batches(state, document, items)
        concurrency = setting(state, "MaxConcurrency", document, 0) or UNBOUNDED_CONCURRENCY
        percentage = setting(state, "ToleratedFailurePercentage", document)
        count = setting(state, "ToleratedFailureCount", document)
        run = MapRun(execution_arn, label, percentage, count, concurrency)
        self.map_runs[run.arn] = run
        for batch in batches:
            run.move(len(batch), None, "pending")
            run.items["total"] += len(batch)
            run.executions["total"] += 1
        processor = {k: v for k, v in state["ItemProcessor"].items() if k != "ProcessorConfig"}
        express = state["ItemProcessor"]["ProcessorConfig"].get("ExecutionType", "STANDARD") == "EXPRESS"
        child = self.sfn.create_state_machine(name=f"child-{run.id[:8]}", definition=json.dumps(processor), roleArn=self.role_arn,
                                              type="EXPRESS" if express else "STANDARD")["stateMachineArn"]
        results, exceeded = [], threading.Event()

        def over():
            with run.lock:
                failed = run.items["failed"] + run.items["timedOut"]
                total = run.items["total"]
            if count is not None and failed > count:
                return True
            limit = percentage if percentage is not None else (None if count is not None else 0)
            return limit is not None and total and failed * 100.0 / total > limit

        def one(index, batch):
            child_input = {"BatchInput": batch_input, "Items": batch} if state.get("ItemBatcher") else batch[0]
            if exceeded.is_set():
                run.move(len(batch), "pending", "aborted")
                return
            run.move(len(batch), "pending", "running")
            name = f"{run.id[:8]}-{index}"
            started = datetime.datetime.now(datetime.timezone.utc)
            arn = self.sfn.start_execution(stateMachineArn=child, name=name, input=json.dumps(child_input))["executionArn"]
            deadline = time.monotonic() + EXPRESS_LIMIT_SECONDS
            while True:
                described = self.sfn.describe_execution(executionArn=arn)
                if described["status"] != "RUNNING":
                    break
                if express and time.monotonic() > deadline:
                    self.sfn.stop_execution(executionArn=arn, error="States.Timeout", cause="an Express execution runs five minutes at most")
                    described = dict(described, status="TIMED_OUT", error="States.Timeout", cause="")
                    break
                time.sleep(0.1)
            status = described["status"]
            entry = {"ExecutionArn": arn, "Input": json.dumps(child_input), "InputDetails": {"Included": True}, "Name": name,
                     "StartDate": started.isoformat(), "StateMachineArn": child, "Status": status,
                     "StopDate": datetime.datetime.now(datetime.timezone.utc).isoformat(), "RedriveCount": 0,
                     "RedriveStatus": "NOT_REDRIVABLE"}
            if status == "SUCCEEDED":
                entry.update(Output=described.get("output", "null"), OutputDetails={"Included": True})
            else:
                entry.update(Error=described.get("error", "States.Runtime"), Cause=described.get("cause", ""))
            results.append(entry)
            run.move(len(batch), "running", {"SUCCEEDED": "succeeded", "TIMED_OUT": "timedOut"}.get(status, "failed"))
            if status != "SUCCEEDED" and over():
                exceeded.set()

        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            list(pool.map(lambda pair: one(*pair), enumerate(batches)))
        run.status = "FAILED" if exceeded.is_set() else "SUCCEEDED"
        run.stop = datetime.datetime.now(datetime.timezone.utc)
        self.log(f"map run {run.status}: {run.describe()['itemCounts']}")
        output = [json.loads(e["Output"]) for e in results if e["Status"] == "SUCCEEDED"]
        if "ResultWriter" in state:
            output = self.write_results(state, document, run, results)
        if exceeded.is_set():
            raise StatesError("States.ExceedToleratedFailureThreshold", "The specified tolerated failure threshold was exceeded")
        return output

    def write_results(self, state, document, run, results):
        parameters = resolve(state["ResultWriter"]["Parameters"], document)
        bucket, prefix = parameters["Bucket"], parameters.get("Prefix", "").rstrip("/")
        folder = f"{prefix}/{run.id}" if prefix else run.id
        files = {"FAILED": [], "PENDING": [], "SUCCEEDED": []}
        for label, chosen in (("SUCCEEDED", [e for e in results if e["Status"] == "SUCCEEDED"]),
                              ("FAILED", [e for e in results if e["Status"] != "SUCCEEDED"])):
            if chosen:
                key, body = f"{folder}/{label}_0.json", json.dumps(chosen).encode()
                self.s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json")
                files[label] = [{"Key": key, "Size": len(body)}]
        manifest = {"DestinationBucket": bucket, "MapRunArn": run.arn, "ResultFiles": files}
        self.s3.put_object(Bucket=bucket, Key=f"{folder}/manifest.json", Body=json.dumps(manifest).encode(), ContentType="application/json")
        with run.lock:
            run.items["resultsWritten"] = run.items["total"] - run.items["pending"] - run.items["running"]
        return {"MapRunArn": run.arn, "ResultWriterDetails": {"Bucket": bucket, "Key": f"{folder}/manifest.json"}}


def lambda_invoker(client):
    """Step Functions' lambda:invoke, over a boto3 Lambda client: the payload back, or the
    function's error as the task's error (its errorType) with the error document as the cause."""
    def invoke(function, payload):
        response = client.invoke(FunctionName=function, Payload=json.dumps(payload).encode())
        body = response["Payload"].read().decode() or "null"
        if response.get("FunctionError"):
            try:
                error = json.loads(body).get("errorType") or "Lambda.Unknown"
            except (ValueError, AttributeError):
                error = "Lambda.Unknown"
            raise StatesError(error, body)
        return json.loads(body)
    return invoke


def serve_in_moto(machine_arn, runner):
    """Executions of `machine_arn` in moto are run by `runner` instead of moto's interpreter (which
    cannot parse the definition): StartExecution, DescribeExecution, ListMapRuns and DescribeMapRun
    answer as for any other state machine."""
    from moto.stepfunctions.parser import models
    from moto.stepfunctions.parser.api import ExecutionStatus
    from moto.stepfunctions.parser.backend.execution import Execution

    original_start = Execution.start

    def start(execution):
        if execution.state_machine.arn != machine_arn:
            return original_start(execution)
        execution.exec_status = ExecutionStatus.RUNNING

        def work():
            status, answer = runner.run(execution.exec_arn, execution.name, execution.input_data)
            if status == "SUCCEEDED":
                execution.output = answer
            else:
                execution.error, execution.cause = answer
            execution.stop_date = datetime.datetime.now(datetime.timezone.utc)
            execution.exec_status = ExecutionStatus(status)

        threading.Thread(target=work, daemon=True).start()

    Execution.start = start
    backend = models.StepFunctionsParserBackend
    original_describe, original_list = backend.describe_map_run, backend.list_map_runs

    def describe_map_run(self, map_run_arn):
        run = runner.map_runs.get(map_run_arn)
        return run.describe() if run else original_describe(self, map_run_arn)

    def list_map_runs(self, execution_arn):
        if execution_arn.split(":execution:")[-1].split(":")[0] == machine_arn.split(":")[-1]:
            return {"mapRuns": [r.list_item() for r in runner.map_runs.values() if r.execution_arn == execution_arn]}
        return original_list(self, execution_arn)

    backend.describe_map_run, backend.list_map_runs = describe_map_run, list_map_runs
