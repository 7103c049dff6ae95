import AWSClient
import FoundationEssentials
import Glibc

// What AWS (or something pretending to be it) answers: XML documents, JSON values, DynamoDB
// attribute values and HTTP dates, on arbitrary bytes.
let fuzzOne: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt = { data, size in
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    _ = XMLNode.parse(bytes)
    _ = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes))
    _ = try? JSONDecoder().decode([String: AttributeValue].self, from: Data(bytes))
    _ = AWSTime.parseHTTPDate(String(decoding: bytes, as: UTF8.self))
    _ = AWSTime.parse(String(decoding: bytes, as: UTF8.self))
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzer(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

// libFuzzer without its own main (the Swift program has one): run its driver with our callback.
var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(runFuzzer(&argc, &argv, fuzzOne))
