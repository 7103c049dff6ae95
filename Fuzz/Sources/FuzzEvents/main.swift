import FuzzDriver
import Glibc
import StageFunction

// Event decoding (ImageJob, Parallel arrays, S3, EventBridge, SQS, the catch path) on arbitrary
// bytes: a bad event is an error, never a crash.
let fuzzOne: FuzzInput = { data, size in
    let bytes = bytes(data, size)
    _ = try? StageEvent.decode(bytes)
    return 0
}

exit(runFuzzer(fuzzOne))
