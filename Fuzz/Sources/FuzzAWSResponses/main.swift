import AWSClient
import FoundationEssentials
import FuzzDriver
import Glibc

// What AWS (or something pretending to be it) answers: XML documents, JSON values, DynamoDB
// attribute values and HTTP dates, on arbitrary bytes.
let fuzzOne: FuzzInput = { data, size in
    let bytes = bytes(data, size)
    _ = XMLNode.parse(bytes)
    _ = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes))
    _ = try? JSONDecoder().decode([String: AttributeValue].self, from: Data(bytes))
    _ = AWSTime.parseHTTPDate(String(decoding: bytes, as: UTF8.self))
    _ = AWSTime.parse(String(decoding: bytes, as: UTF8.self))
    return 0
}

exit(runFuzzer(fuzzOne))
