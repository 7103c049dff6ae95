import MediaTypes
import Testing

@testable import Renditions

@Suite struct FormatNegotiationTests {
    @Test(arguments: [
        ("image/avif,image/webp,image/apng,*/*;q=0.8", false, true, OutputFormat.avif),
        ("image/avif,image/webp,*/*", false, false, .webp),
        ("image/webp,*/*", false, true, .webp),
        ("image/avif;q=0, image/webp", false, true, .webp),
        ("IMAGE/WEBP", false, true, .webp),
        ("*/*", false, true, .jpeg),
        ("", true, true, .png),
        ("image/webp", true, true, .webp),
        ("image/png,image/jpeg", true, true, .png),
    ])
    func autoFollowsAccept(accept: String, alpha: Bool, avif: Bool, expected: OutputFormat) {
        #expect(FormatNegotiation.choose(accept: accept, hasAlpha: alpha, avif: avif) == expected)
    }

    @Test func acceptIsNormalisedToFourValues() {
        #expect(FormatNegotiation.normalised("image/avif,image/webp,image/apng,*/*;q=0.8") == "image/avif,image/webp")
        #expect(FormatNegotiation.normalised("image/webp,*/*") == "image/webp")
        #expect(FormatNegotiation.normalised("image/avif") == "image/avif")
        #expect(FormatNegotiation.normalised("text/html, image/webp;q=0") == "")
        #expect(FormatNegotiation.normalised(nil) == "")
        // A q that is not a number refuses nothing (the edge function reads it the same way).
        #expect(FormatNegotiation.normalised("image/webp;q=x, image/avif;q=0.0") == "image/webp")
    }
}
