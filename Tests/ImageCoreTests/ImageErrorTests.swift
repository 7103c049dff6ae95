import ImageCore
import MediaTypes
import Testing

/// ImageCore's input-error codes are the rejection reasons a record keeps: the same words, and every
/// reason an image can be refused for by ImageCore has its code.
@Suite struct ImageErrorTests {
    @Test func everyInputCodeIsItsRejectionReasonWordForWord() {
        let rejections = ImageError.Code.allCases.compactMap { code in code.rejectionReason.map { (code, $0) } }
        for (code, reason) in rejections { #expect(code.rawValue == reason.rawValue, "\(code)") }
        #expect(rejections.count == 7)
        // The reasons ImageCore cannot know of are the pipeline's (an upload gone, a key that leaves
        // its bucket, a form used twice).
        let fromImageCore = Set(rejections.map(\.1))
        #expect(Set(RejectionReason.allCases).subtracting(fromImageCore) == [.sourceMissing, .badKey, .uploadReused])
        #expect(
            ImageError.Code.encodeFailed.rejectionReason == nil
                && ImageError.Code.internalFailure.rejectionReason == nil)
    }
}
