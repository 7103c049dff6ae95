import API
import LocalFront
import Testing

/// A form read in pieces of any size gives what the whole body gives: the fields, then the file's
/// bytes in order, however the pieces cut the delimiters.
@Suite struct MultipartStreamTests {
    let boundary = "----darkroom42"

    func body(file: [UInt8]) -> [UInt8] {
        var text = ""
        for (name, value) in [("key", "uploads/x"), ("policy", "cG9saWN5")] {
            text += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n"
        }
        text += "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n\r\n"
        return Array(text.utf8) + file + Array("\r\n--\(boundary)--\r\n".utf8)
    }

    /// The fields and the file `body` gives when fed in pieces of `size` bytes.
    func read(_ body: [UInt8], in size: Int) throws -> (fields: [String: String], file: [UInt8], events: Int) {
        var stream = try MultipartStream(contentType: "multipart/form-data; boundary=\(boundary)")
        var fields: [String: String] = [:]
        var file: [UInt8] = []
        var started = false
        var ended = false
        var events = 0
        var offset = 0
        while offset < body.count {
            for event in try stream.feed(body[offset..<min(offset + size, body.count)]) {
                events += 1
                switch event {
                case .field(let name, let value):
                    #expect(!started)
                    fields[name] = value
                case .fileStarts: started = true
                case .fileBytes(let bytes):
                    #expect(started && !ended)
                    file += bytes
                case .fileEnds: ended = true
                }
            }
            offset += size
        }
        #expect(stream.isDone && ended)
        return (fields, file, events)
    }

    @Test func everyPieceSizeGivesTheSameFormAndFile() throws {
        // A file that holds CRLFs, dashes and most of the delimiter, to tempt a wrong cut.
        let file = Array("\r\n--\r\n------darkroom4\r\n-".utf8) + (0..<3_000).map { UInt8($0 % 251) }
        let whole = body(file: file)
        for size in [1, 2, 3, 7, 16, 17, 64, 1000, 4096, whole.count] {
            let got = try read(whole, in: size)
            #expect(got.fields == ["key": "uploads/x", "policy": "cG9saWN5"], "pieces of \(size)")
            #expect(got.file == file, "pieces of \(size)")
        }
        // Streamed: pieces of 1 KB give the file in about as many pieces, not at the end.
        #expect(try read(whole, in: 1024).events > 3)
    }

    @Test func aBodyThatIsNotAFormWithAFileIsRefused() throws {
        let contentType = "multipart/form-data; boundary=\(boundary)"
        var noFile = try MultipartStream(contentType: contentType)
        #expect(throws: Problem.self) {
            _ = try noFile.feed(
                Array(
                    "--\(boundary)\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nx\r\n--\(boundary)--\r\n".utf8
                ))
        }
        var noName = try MultipartStream(contentType: contentType)
        #expect(throws: Problem.self) {
            _ = try noName.feed(Array("--\(boundary)\r\nContent-Type: text/plain\r\n\r\nx\r\n--\(boundary)--".utf8))
        }
        var endlessHeaders = try MultipartStream(contentType: contentType)
        #expect(throws: Problem.self) {
            _ = try endlessHeaders.feed(Array("--\(boundary)\r\n".utf8) + [UInt8](repeating: 0x41, count: 9_000))
        }
        #expect(throws: Problem.self) { _ = try MultipartStream(contentType: "application/json") }
        #expect(throws: Problem.self) { _ = try MultipartStream(contentType: "multipart/form-data") }
    }
}
