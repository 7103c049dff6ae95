import ImageCore
import MediaTypes
import Testing

@Suite struct ResizeTests {
    @Test func fitNeverEnlarges() throws {
        let image = try Fixtures.decode("orientation-1.jpg")
        let same = try image.resized(to: ResizeRequest(width: 1024, height: 768, mode: .fit))
        #expect(same.width == 64 && same.height == 48)
    }

    @Test func fitKeepsAspectInsideTheBox() throws {
        let image = try Fixtures.decode("orientation-8.jpg")
        let small = try image.resized(to: ResizeRequest(width: 32, height: 32, mode: .fit))
        #expect(small.width == 32 && small.height == 24)
        #expect(isClose(try small.pixel(x: 4, y: 4), red))
        #expect(isClose(try small.pixel(x: 28, y: 20), white))
    }

    @Test func coverFillsTheBoxExactly() throws {
        let image = try Fixtures.decode("orientation-1.jpg")
        let square = try image.resized(to: ResizeRequest(width: 20, height: 20, mode: .cover))
        #expect(square.width == 20 && square.height == 20)
    }

    /// Attention crop keeps the part of the picture that draws the eye: a bright red disc on grey
    /// sits in the right third, and the square crop must keep it.
    @Test func coverCropFollowsAttention() throws {
        let photo = try Fixtures.decode("attention.png")
        let square = try photo.resized(to: ResizeRequest(width: 40, height: 40, mode: .cover))
        #expect(square.width == 40 && square.height == 40)
        let centre = try square.pixel(x: 20, y: 20)
        #expect(centre[0] > 180 && centre[1] < 80, "the crop missed the red disc: \(centre)")
    }

    @Test func coverNeverEnlarges() throws {
        let image = try Fixtures.decode("orientation-1.jpg")
        let crop = try image.resized(to: ResizeRequest(width: 100, height: 100, mode: .cover))
        #expect(
            crop.width == 48 && crop.height == 48,
            "the box keeps its shape, shrunk to fit: \(crop.width)x\(crop.height)")
    }

    @Test func decodeBoxServesTheMostDemandingRequest() {
        let requests = [
            ResizeRequest(width: 1024, height: 768, mode: .fit), ResizeRequest(width: 200, height: 200, mode: .cover),
        ]
        let box = ResizeRequest.decodeBox(for: requests, width: 4000, height: 3000)
        #expect(box == (1024, 768))
        let tall = ResizeRequest.decodeBox(
            for: [ResizeRequest(width: 200, height: 200, mode: .cover)], width: 1000, height: 4000)
        #expect(tall == (200, 800))
        #expect(ResizeRequest.decodeBox(for: requests, width: 640, height: 480) == (640, 480))
    }

    @Test func zeroBoxIsRefused() throws {
        let image = try Fixtures.decode("orientation-1.jpg")
        let error = try #require(throws: ImageError.self) {
            try image.resized(to: ResizeRequest(width: 0, height: 10, mode: .fit))
        }
        #expect(error.code == .invalidArgument)
    }
}
