import AWSClient
import Testing

@testable import LambdaRuntime
import HTTPMessage

/// The three ways a Runtime API response can end, fed as a connection delivers them: in pieces.
@Suite struct RuntimeHTTPMessageTests {
    /// The response in `bytes` as the connection reads it (head, then body), or nil while more are needed.
    static func parse(_ bytes: [UInt8], closed: Bool) throws(HTTPError) -> HTTPResponse? {
        guard let head = try RuntimeHTTPMessage.head(bytes, closed: closed),
            let body = try RuntimeHTTPMessage.body(of: head, in: bytes, closed: closed)
        else { return nil }
        return HTTPResponse(status: head.status, headers: head.headers, body: body)
    }

    /// Feeds `text` one byte at a time and returns the response and how many bytes it took.
    func feed(_ text: String, thenClose: Bool = false) throws -> (response: HTTPResponse?, after: Int) {
        let bytes = Array(text.utf8)
        var buffer: [UInt8] = []
        for byte in bytes {
            buffer.append(byte)
            if let head = try RuntimeHTTPMessage.head(buffer, closed: false),
                RuntimeHTTPMessage.mayBeComplete(head, buffer, closed: false),
                let body = try RuntimeHTTPMessage.body(of: head, in: buffer, closed: false)
            {
                return (HTTPResponse(status: head.status, headers: head.headers, body: body), buffer.count)
            }
        }
        return (thenClose ? try Self.parse(buffer, closed: true) : nil, buffer.count)
    }

    @Test func contentLengthEndsTheBodyExactly() throws {
        let text = "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id:  r-1 \r\nContent-Length: 7\r\n\r\n{\"a\":1}"
        let (response, after) = try feed(text)
        let got = try #require(response)
        #expect(got.status == 200)
        #expect(got.header("lambda-runtime-aws-request-id") == "r-1")
        #expect(String(decoding: got.body, as: UTF8.self) == "{\"a\":1}")
        #expect(after == text.utf8.count)
    }

    @Test func chunksAreJoinedWithExtensionsAndTrailersSkipped() throws {
        let text =
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5;name=x\r\n{\"ab\"\r\n" + "e\r\n:\"\r\n\r\n123456\"}\r\n" + "0\r\nTrailer: t\r\n\r\n"
        let (response, after) = try feed(text)
        let got = try #require(response)
        #expect(String(decoding: got.body, as: UTF8.self) == "{\"ab\":\"\r\n\r\n123456\"}")
        // A chunk whose data ends in CRLF CRLF looked complete for a moment; only the last chunk ends it.
        #expect(after == text.utf8.count)
    }

    @Test func withoutFramingTheBodyEndsAtTheClose() throws {
        let text = "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: r-2\r\n\r\n{\"b\":2}"
        #expect(try feed(text).response == nil)
        let got = try #require(try feed(text, thenClose: true).response)
        #expect(String(decoding: got.body, as: UTF8.self) == "{\"b\":2}")
        let accepted = try #require(try feed("HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n").response)
        #expect(accepted.status == 202 && accepted.body.isEmpty)
    }

    @Test func aCutOrMalformedResponseIsAnError() throws {
        let cut = [
            "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
            "HTTP/1.1 200 OK\r\nContent-Le",
        ]
        for text in cut {
            #expect(throws: HTTPError.self) { try Self.parse(Array(text.utf8), closed: true) }
        }
        let malformed = [
            "SMTP ready\r\n\r\n",
            "HTTP/1.1 OK\r\n\r\n",
            "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: -4\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        ]
        for text in malformed {
            #expect(throws: HTTPError.self) { try Self.parse(Array(text.utf8), closed: false) }
        }
    }
}
