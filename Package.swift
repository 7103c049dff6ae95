// swift-tools-version:6.0
import PackageDescription

// Settings every Swift target shares: Swift 6 language mode is the package default; these add
// the upcoming features we rely on so that each target reads the same way.
let sharedSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Darkroom",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "darkroom", targets: ["darkroom"]),
        .library(name: "ImageCore", targets: ["ImageCore"]),
        .library(name: "AWSClient", targets: ["AWSClient"]),
        .library(name: "Pipeline", targets: ["Pipeline"]),
        .library(name: "PixelStages", targets: ["PixelStages"]),
        .library(name: "LambdaRuntime", targets: ["LambdaRuntime"]),
        .library(name: "StageFunction", targets: ["StageFunction"]),
        .library(name: "API", targets: ["API"]),
        .executable(name: "validate", targets: ["validate"]),
        .executable(name: "metadata", targets: ["metadata"]),
        .executable(name: "resize", targets: ["resize"]),
        .executable(name: "thumbnail", targets: ["thumbnail"]),
        .executable(name: "moderate", targets: ["moderate"]),
        .executable(name: "archive", targets: ["archive"]),
        .executable(name: "reconcile", targets: ["reconcile"]),
        .executable(name: "settle", targets: ["settle"]),
        .executable(name: "api", targets: ["api"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // darkroom serve's HTTP server: Swift concurrency over plain sockets, no SwiftNIO (quick to
        // build). Only the CLI links it; no Lambda function does.
        .package(url: "https://github.com/swhitty/FlyingFox.git", from: "0.27.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CVips", pkgConfig: "vips", providers: [.apt(["libvips-dev"])]),
        .systemLibrary(
            name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(
            name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .target(name: "ImageCore", dependencies: ["CVips"], swiftSettings: sharedSettings),
        // HTTP messages, URI encoding and a thread for blocking work: what the Runtime API loop and the
        // AWS client share, below both, so the loop carries no libcurl or OpenSSL.
        .target(name: "HTTPMessage", swiftSettings: sharedSettings),
        .target(name: "AWSClient", dependencies: ["HTTPMessage", "CCurl", "CCrypto"], swiftSettings: sharedSettings),
        .target(name: "Pipeline", dependencies: ["AWSClient", "HTTPMessage"], swiftSettings: sharedSettings),
        .target(name: "LambdaRuntime", dependencies: ["HTTPMessage"], swiftSettings: sharedSettings),
        .target(
            name: "PixelStages", dependencies: ["Pipeline", "ImageCore"],
            swiftSettings: sharedSettings),
        // The glue every stage function shares: configuration, AWS stores, the event shapes, the
        // error types the state machine matches. No libvips here, so moderate and archive stay lean.
        .target(name: "StageFunction", dependencies: ["Pipeline", "AWSClient", "LambdaRuntime"], swiftSettings: sharedSettings),
        .executableTarget(name: "validate", dependencies: ["PixelStages", "Pipeline", "StageFunction"], swiftSettings: sharedSettings),
        .executableTarget(name: "metadata", dependencies: ["PixelStages", "Pipeline", "StageFunction"], swiftSettings: sharedSettings),
        .executableTarget(name: "resize", dependencies: ["PixelStages", "Pipeline", "StageFunction"], swiftSettings: sharedSettings),
        .executableTarget(name: "thumbnail", dependencies: ["PixelStages", "Pipeline", "StageFunction"], swiftSettings: sharedSettings),
        .executableTarget(name: "moderate", dependencies: ["Pipeline", "StageFunction"], swiftSettings: sharedSettings),
        .executableTarget(name: "archive", dependencies: ["Pipeline", "StageFunction"], swiftSettings: sharedSettings),
        .executableTarget(name: "reconcile", dependencies: ["StageFunction"], swiftSettings: sharedSettings),
        // The state machine's catch path: records FAILED and announces it, so that no stage
        // function is on the failure path.
        .executableTarget(name: "settle", dependencies: ["StageFunction"], swiftSettings: sharedSettings),
        // The HTTP API's routes as plain functions of a request, over the catalog, object store,
        // upload forms and variant links; no libvips, no HTTP server.
        .target(name: "API", dependencies: ["Pipeline", "AWSClient", "HTTPMessage"], swiftSettings: sharedSettings),
        // The API behind API Gateway (payload 2.0), on the same Runtime API loop as the stages.
        .executableTarget(name: "api", dependencies: ["API", "Pipeline", "AWSClient", "LambdaRuntime"], swiftSettings: sharedSettings),
        .executableTarget(
            name: "darkroom",
            dependencies: [
                // Every module it imports, declared: an undeclared one is not rebuilt against (a
                // changed ImageCore initialiser once left darkroom unlinkable until touched).
                "PixelStages", "Pipeline", "ImageCore", "AWSClient", "API",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "FlyingFox", package: "FlyingFox"),
            ],
            swiftSettings: sharedSettings),
        .testTarget(
            name: "ImageCoreTests", dependencies: ["ImageCore"], swiftSettings: sharedSettings),
        // What every test target shares: temporary folders, paths, and the local AWS helper process.
        .target(
            name: "DarkroomTestSupport", dependencies: ["AWSClient"], path: "Tests/Support",
            swiftSettings: sharedSettings),
        .testTarget(
            name: "AWSClientTests", dependencies: ["AWSClient", "HTTPMessage", "DarkroomTestSupport"], swiftSettings: sharedSettings),
        .testTarget(
            name: "LambdaRuntimeTests", dependencies: ["LambdaRuntime", "HTTPMessage", "AWSClient", "DarkroomTestSupport"],
            swiftSettings: sharedSettings),
        .testTarget(
            name: "StageFunctionTests", dependencies: ["StageFunction", "Pipeline", "LambdaRuntime", "AWSClient", "DarkroomTestSupport"],
            swiftSettings: sharedSettings),
        .testTarget(
            name: "APITests", dependencies: ["API", "Pipeline", "AWSClient"], swiftSettings: sharedSettings),
        .testTarget(
            name: "PipelineTests", dependencies: ["Pipeline", "PixelStages", "ImageCore", "AWSClient", "DarkroomTestSupport"],
            swiftSettings: sharedSettings),
    ]
)
