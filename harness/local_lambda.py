"""A local Lambda: one Runtime API server per function (what a custom runtime talks to) and one
Invoke API server (`POST /2015-03-31/functions/NAME/invocations`) in front of them all, on
127.0.0.1. Functions are executables started with AWS_LAMBDA_RUNTIME_API pointing at their server,
restarted when they exit (as Lambda does), or, with no executable, left for a test to drive.
"""
import json, os, queue, subprocess, threading, time, uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/2018-06-01/runtime"


class QuietHandler(BaseHTTPRequestHandler):
    """What every local server's handler shares: HTTP/1.1 keep-alive, no access log, and `reply`."""
    protocol_version = "HTTP/1.1"
    # A Content-Type every reply of this handler carries, if any.
    content_type = None

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", headers=()):
        # send_response adds the real Date; a reply that brings its own must not have two.
        if any(name == "Date" for name, _ in headers):
            self.send_response_only(status)
        else:
            self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        if self.content_type:
            self.send_header("Content-Type", self.content_type)
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


class Function:
    def __init__(self, name, executable=None, environment=None, timeout=60, log=None, command=None, instances=1, concurrency=None):
        self.name = name
        self.executable = executable
        # How to start it, when not just the executable (chroot ROOT /path/bootstrap, for example).
        self.command = command or ([executable] if executable else None)
        self.environment = environment or {}
        # Logs are kept in $DARKROOM_LOG_DIR when no file is given (scripts/test scans them).
        if log is None and os.environ.get("DARKROOM_LOG_DIR"):
            log = os.path.join(os.environ["DARKROOM_LOG_DIR"], f"function-{name}-{uuid.uuid4().hex[:8]}.log")
        self.log = log
        self.timeout = timeout
        self.pending = queue.Queue()
        self.results = {}
        self.lock = threading.Lock()
        self.init_errors = []
        self.errors = []           # every error posted, with its header
        self.exits = []            # exit codes of processes that ended
        self.next_calls = 0
        # What the next GET /next does instead of answering: "500", "close", "no-request-id",
        # "no-deadline" (the invocation without its Lambda-Runtime-Deadline-Ms); or
        # "kill": deliver the invocation, then kill the process when it reports, leaving the
        # invocation unanswered (a stage that dies with its execution); "kill:TEXT" does that to the
        # next invocation whose payload contains TEXT (a retry of another image's task is spared).
        self.misbehave = []
        self.doomed = set()        # request ids whose process is killed when it reports
        # Processes polling the same Runtime API, as Lambda runs several environments of a function.
        self.instances = instances
        # Reserved concurrency: past this many invocations in flight, Lambda answers 429
        # TooManyRequestsException at once instead of running the function.
        self.concurrency = concurrency
        self.in_flight = 0
        self.throttled = 0
        self.processes = []
        self.server = None

    @property
    def arn(self):
        return f"arn:aws:lambda:us-east-1:123456789012:function:{self.name}"

    @property
    def process(self):
        return self.processes[0] if self.processes else None

    def start_process(self):
        """Starts the function's processes, or those of them that ended."""
        if not self.command:
            return
        with self.lock:
            for process in self.processes:
                if process.poll() is not None:
                    self.exits.append(process.returncode)
            self.processes = [p for p in self.processes if p.poll() is None]
            env = dict(self.environment, AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{self.server.server_address[1]}",
                       AWS_LAMBDA_FUNCTION_NAME=self.name, AWS_LAMBDA_FUNCTION_MEMORY_SIZE="1024")
            while len(self.processes) < self.instances:
                self.processes.append(subprocess.Popen(
                    self.command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                    stderr=open(self.log, "ab") if self.log else subprocess.DEVNULL))

    def invoke(self, body, trace_id=None):
        """Queues an invocation and waits for its outcome: (status, payload, error type or None)."""
        self.start_process()
        request_id = str(uuid.uuid4())
        done = threading.Event()
        with self.lock:
            self.results[request_id] = {"done": done}
        self.pending.put((request_id, body, trace_id))
        while not done.wait(0.2):
            with self.lock:
                init_failed = bool(self.init_errors) and self.process is not None and self.process.poll() is not None
            if init_failed:
                return 200, json.dumps(self.init_errors[-1]["body"]).encode(), self.init_errors[-1]["type"] or "Runtime.InitError"
        result = self.results.pop(request_id)
        return 200, result["body"], result.get("error_type")

    def stop(self):
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    process.kill()


def runtime_handler(function):
    class Runtime(QuietHandler):

        def do_GET(self):
            if self.path != f"{PREFIX}/invocation/next":
                return self.reply(404)
            function.next_calls += 1
            if function.misbehave and function.misbehave[0] in ("500", "close"):
                how = function.misbehave.pop(0)
                if how == "500":
                    return self.reply(500, b'{"errorMessage":"the Runtime API is down"}')
                self.close_connection = True
                self.connection.shutdown(2)
                return
            request_id, body, trace_id = function.pending.get()
            headers = [("Lambda-Runtime-Deadline-Ms", str(int((time.time() + function.timeout) * 1000))),
                       ("Lambda-Runtime-Invoked-Function-Arn", function.arn), ("Content-Type", "application/json")]
            kill = next((way for way in function.misbehave
                         if way == "kill" or (way.startswith("kill:") and way[5:].encode() in body)), None)
            if kill is not None:
                function.misbehave.remove(kill)
                function.doomed.add(request_id)
            if function.misbehave and function.misbehave[0] == "no-deadline":
                function.misbehave.pop(0)
                headers = [header for header in headers if header[0] != "Lambda-Runtime-Deadline-Ms"]
            if function.misbehave and function.misbehave[0] == "no-request-id":
                function.misbehave.pop(0)
                with function.lock:
                    result = function.results.get(request_id)
                if result:
                    result.update(body=b'{"errorMessage":"no request id was sent"}', error_type="Local.NoRequestId")
                    result["done"].set()
            else:
                headers.append(("Lambda-Runtime-Aws-Request-Id", request_id))
            if trace_id:
                headers.append(("Lambda-Runtime-Trace-Id", trace_id))
            self.reply(200, body, headers)

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            error_type = self.headers.get("Lambda-Runtime-Function-Error-Type")
            if self.path == f"{PREFIX}/init/error":
                function.init_errors.append({"type": error_type, "body": json.loads(body or b"{}")})
                return self.reply(202, b'{"status":"OK"}')
            parts = self.path[len(PREFIX):].strip("/").split("/")
            if len(parts) != 3 or parts[0] != "invocation" or parts[2] not in ("response", "error"):
                return self.reply(404)
            with function.lock:
                result = function.results.get(parts[1])
            if result is None:
                return self.reply(400, b'{"errorMessage":"unknown request id"}')
            if parts[1] in function.doomed:
                function.doomed.discard(parts[1])
                for process in function.processes:  # which one reported is not known: all of them
                    process.kill()
                    process.wait()
                function.start_process()  # fresh environments for whatever is queued
                self.close_connection = True
                return
            if parts[2] == "error":
                function.errors.append({"type": error_type, "body": json.loads(body or b"{}")})
                result.update(body=body, error_type=error_type or "Unhandled")
            else:
                result.update(body=body, error_type=None)
            result["done"].set()
            self.reply(202, b'{"status":"OK"}')

    return Runtime


class LambdaHost:
    def __init__(self):
        self.functions = {}
        host = self

        class Invoke(QuietHandler):
            content_type = "application/json"

            def do_GET(self):
                if self.path == "/local/functions":
                    state = {name: {"initErrors": f.init_errors, "errors": f.errors, "exits": f.exits, "nextCalls": f.next_calls,
                                    "throttled": f.throttled,
                                    "runtimeApi": f"127.0.0.1:{f.server.server_address[1]}"} for name, f in host.functions.items()}
                    return self.reply(200, json.dumps(state).encode())
                self.reply(404)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                parts = self.path.strip("/").split("/")
                if len(parts) == 4 and parts[0] == "local" and parts[1] == "functions" and parts[3] == "misbehave":
                    host.functions[parts[2]].misbehave += json.loads(body)
                    return self.reply(200, b"{}")
                if len(parts) != 4 or parts[:2] != ["2015-03-31", "functions"] or parts[3] != "invocations":
                    return self.reply(404, b'{"message":"unknown path"}')
                # A name, or an ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]).
                from urllib.parse import unquote
                name = unquote(parts[2])
                if name.startswith("arn:"):
                    name = name.split(":")[6]
                function = host.functions.get(name)
                if function is None:
                    return self.reply(404, json.dumps({"Type": "User", "message": f"Function not found: {name}"}).encode(),
                                      [("x-amzn-ErrorType", "ResourceNotFoundException"), ("x-amzn-RequestId", str(uuid.uuid4()))])
                with function.lock:
                    throttle = function.concurrency is not None and function.in_flight >= function.concurrency
                    function.throttled += throttle
                    function.in_flight += not throttle
                if throttle:
                    return self.reply(429, json.dumps({"Type": "User", "message": "Rate Exceeded.",
                                                       "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded"}).encode(),
                                      [("x-amzn-ErrorType", "TooManyRequestsException"), ("x-amzn-RequestId", str(uuid.uuid4()))])
                try:
                    status, payload, error_type = function.invoke(body, self.headers.get("X-Amzn-Trace-Id"))
                finally:
                    with function.lock:
                        function.in_flight -= 1
                headers = [("X-Amz-Executed-Version", "$LATEST"), ("x-amzn-RequestId", str(uuid.uuid4()))]
                if error_type:
                    headers.append(("X-Amz-Function-Error", "Unhandled"))
                self.reply(status, payload, headers)

        self.invoke_server = ThreadingHTTPServer(("127.0.0.1", 0), Invoke)
        self.invoke_server.daemon_threads = True

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.invoke_server.server_address[1]}"

    def add(self, function):
        function.server = ThreadingHTTPServer(("127.0.0.1", 0), runtime_handler(function))
        function.server.daemon_threads = True
        self.functions[function.name] = function
        threading.Thread(target=function.server.serve_forever, daemon=True).start()
        return function

    def start(self):
        threading.Thread(target=self.invoke_server.serve_forever, daemon=True).start()
        for function in self.functions.values():
            function.start_process()

    def stop(self):
        for function in self.functions.values():
            function.stop()
            function.server.shutdown()
        self.invoke_server.shutdown()
