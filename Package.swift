// swift-tools-version:6.0
import PackageDescription

// Settings every Swift target shares: Swift 6 language mode is the package default; these add
// the upcoming features we rely on so that each target reads the same way.
let sharedSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "Darkroom",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "darkroom", targets: ["darkroom"]),
        .library(name: "ImageCore", targets: ["ImageCore"]),
        .library(name: "MediaTypes", targets: ["MediaTypes"]),
        .library(name: "Signing", targets: ["Signing"]),
        .library(name: "AWSClient", targets: ["AWSClient"]),
        .library(name: "LambdaEvents", targets: ["LambdaEvents"]),
        .library(name: "Pipeline", targets: ["Pipeline"]),
        .library(name: "PipelineAWS", targets: ["PipelineAWS"]),
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
        .executable(name: "render", targets: ["render"]),
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
        // Media types, input limits and rejection reasons: the words ImageCore and the pipeline share,
        // below both (docs/architecture.md, "Modules").
        .target(name: "MediaTypes", swiftSettings: sharedSettings),
        .target(name: "ImageCore", dependencies: ["CVips", "MediaTypes"], swiftSettings: sharedSettings),
        // SHA-256, HMAC, the SigV4 signer, AWS time and URI encoding: no I/O, so an image id, a
        // cursor or a signed URL never needs the AWS client.
        .target(name: "Signing", dependencies: ["CCrypto"], swiftSettings: sharedSettings),
        // HTTP messages, URI encoding and a thread for blocking work: what the Runtime API loop and the
        // AWS client share, below both, so the loop carries no libcurl or OpenSSL.
        .target(name: "HTTPMessage", swiftSettings: sharedSettings),
        .target(name: "AWSClient", dependencies: ["HTTPMessage", "Signing", "CCurl"], swiftSettings: sharedSettings),
        // The domain: jobs, statuses, configuration, stages, the reconciler and the store protocols,
        // with the folder stores beside them (the CLI's and the tests' backend, Foundation only).
        // It knows no AWS client.
        .target(
            name: "Pipeline", dependencies: ["MediaTypes", "Signing", "HTTPMessage"], swiftSettings: sharedSettings),
        // The pipeline's AWS adapters: DynamoDB job store and catalog, S3 store, SNS notifier,
        // Rekognition moderator, Step Functions starter.
        .target(
            name: "PipelineAWS", dependencies: ["Pipeline", "AWSClient", "Signing", "LambdaEvents", "Renditions"],
            swiftSettings: sharedSettings),
        // Rendition URLs: the option grammar, presets and limits, HMAC signing with two keys, format
        // negotiation. No pixels and no I/O, so the API signs with it as the render function checks.
        .target(
            name: "Renditions", dependencies: ["MediaTypes", "Signing", "Pipeline"], swiftSettings: sharedSettings),
        // Renditions made: the source chosen among the stored variants and the original, the render,
        // the service the render function and `darkroom serve` call.
        .target(
            name: "Rendering", dependencies: ["Renditions", "Pipeline", "ImageCore", "MediaTypes"],
            swiftSettings: sharedSettings),
        // S3, EventBridge and SQS event shapes, decoded and encoded from one definition, apart from
        // the runtime loop as upstream keeps AWSLambdaEvents.
        .target(name: "LambdaEvents", dependencies: ["Signing"], swiftSettings: sharedSettings),
        .target(name: "LambdaRuntime", dependencies: ["HTTPMessage"], swiftSettings: sharedSettings),
        .target(
            name: "PixelStages", dependencies: ["Pipeline", "ImageCore", "MediaTypes"],
            swiftSettings: sharedSettings),
        // The glue every stage function shares: configuration, AWS stores, the event shapes, the
        // error types the state machine matches. No libvips here, so moderate and archive stay lean.
        .target(
            name: "StageFunction",
            dependencies: ["Pipeline", "PipelineAWS", "AWSClient", "LambdaRuntime", "LambdaEvents"],
            swiftSettings: sharedSettings),
        .executableTarget(
            name: "validate", dependencies: ["PixelStages", "Pipeline", "StageFunction"], swiftSettings: sharedSettings),
        .executableTarget(
            name: "metadata", dependencies: ["PixelStages", "Pipeline", "StageFunction"], swiftSettings: sharedSettings),
        .executableTarget(
            name: "resize", dependencies: ["PixelStages", "Pipeline", "StageFunction"], swiftSettings: sharedSettings),
        .executableTarget(
            name: "thumbnail", dependencies: ["PixelStages", "Pipeline", "StageFunction"], swiftSettings: sharedSettings
        ),
        .executableTarget(
            name: "moderate", dependencies: ["Pipeline", "StageFunction"], swiftSettings: sharedSettings),
        .executableTarget(name: "archive", dependencies: ["Pipeline", "StageFunction"], swiftSettings: sharedSettings),
        .executableTarget(name: "reconcile", dependencies: ["StageFunction"], swiftSettings: sharedSettings),
        // The state machine's catch path: records FAILED and announces it, so that no stage
        // function is on the failure path.
        .executableTarget(name: "settle", dependencies: ["StageFunction"], swiftSettings: sharedSettings),
        // The HTTP API's routes as plain functions of a request, over the catalog, object store,
        // upload forms and variant links; no libvips, no HTTP server.
        .target(
            name: "API",
            dependencies: [
                "Pipeline", "PipelineAWS", "AWSClient", "Signing", "MediaTypes", "HTTPMessage", "Renditions",
            ],
            swiftSettings: sharedSettings),
        // What `darkroom serve` hands out in place of S3's presigned links and POST policies, and the
        // multipart parser for its uploads: the CLI's side of the front door, not the API's.
        .target(
            name: "LocalFront", dependencies: ["API", "AWSClient", "Signing", "HTTPMessage"],
            swiftSettings: sharedSettings),
        // The API behind API Gateway (payload 2.0), on the same Runtime API loop as the stages.
        .executableTarget(
            name: "api", dependencies: ["API", "Pipeline", "AWSClient", "LambdaRuntime"], swiftSettings: sharedSettings),
        // Renditions behind a function URL and CloudFront, on the same loop, with libvips from the layer.
        .executableTarget(
            name: "render",
            // Signing (over CCrypto) named directly: then SwiftPM passes the lean OpenSSL's and
            // libcurl's `-L` ahead of the system one libvips' flags bring, and both link statically;
            // without it render took Debian's shared libcurl, which no zip or layer carries.
            // packaging/function refuses any function that needs them as shared libraries.
            dependencies: [
                "Rendering", "Renditions", "Pipeline", "PipelineAWS", "AWSClient", "ImageCore", "MediaTypes",
                "LambdaRuntime", "Signing",
            ],
            swiftSettings: sharedSettings),
        .executableTarget(
            name: "darkroom",
            dependencies: [
                // Every module it imports, declared: an undeclared one is not rebuilt against (a
                // changed ImageCore initialiser once left darkroom unlinkable until touched).
                "PixelStages", "Pipeline", "PipelineAWS", "ImageCore", "MediaTypes", "AWSClient", "Signing", "API",
                "LocalFront", "Renditions", "Rendering",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "FlyingFox", package: "FlyingFox"),
            ],
            swiftSettings: sharedSettings),
        .testTarget(
            name: "MediaTypesTests", dependencies: ["MediaTypes", "DarkroomTestSupport"], swiftSettings: sharedSettings),
        .testTarget(
            name: "ImageCoreTests", dependencies: ["ImageCore", "MediaTypes"], swiftSettings: sharedSettings),
        // What every test target shares: temporary folders, paths, and the local AWS helper process.
        .target(
            name: "DarkroomTestSupport", dependencies: ["AWSClient", "Signing"], path: "Tests/Support",
            swiftSettings: sharedSettings),
        .testTarget(
            name: "RenditionsTests", dependencies: ["Renditions", "MediaTypes"], swiftSettings: sharedSettings),
        .testTarget(
            name: "RenderingTests",
            dependencies: [
                "Rendering", "Renditions", "Pipeline", "PixelStages", "ImageCore", "MediaTypes", "DarkroomTestSupport",
            ],
            swiftSettings: sharedSettings),
        .testTarget(
            name: "SigningTests", dependencies: ["Signing", "DarkroomTestSupport"], swiftSettings: sharedSettings),
        .testTarget(
            name: "AWSClientTests", dependencies: ["AWSClient", "Signing", "HTTPMessage", "DarkroomTestSupport"],
            swiftSettings: sharedSettings),
        .testTarget(
            name: "LambdaRuntimeTests",
            dependencies: ["LambdaRuntime", "HTTPMessage", "AWSClient", "DarkroomTestSupport"],
            swiftSettings: sharedSettings),
        .testTarget(
            name: "LambdaEventsTests", dependencies: ["LambdaEvents", "DarkroomTestSupport"],
            swiftSettings: sharedSettings),
        .testTarget(
            name: "StageFunctionTests",
            dependencies: [
                "StageFunction", "Pipeline", "PipelineAWS", "MediaTypes", "LambdaRuntime", "LambdaEvents", "AWSClient",
                "DarkroomTestSupport",
            ],
            swiftSettings: sharedSettings),
        .testTarget(
            name: "APITests",
            dependencies: [
                "API", "Pipeline", "PipelineAWS", "AWSClient", "LocalFront", "PixelStages", "ImageCore",
                "Renditions", "DarkroomTestSupport",
            ],
            swiftSettings: sharedSettings),
        .testTarget(
            name: "LocalFrontTests", dependencies: ["LocalFront", "API", "AWSClient", "DarkroomTestSupport"],
            swiftSettings: sharedSettings),
        .testTarget(
            name: "PipelineTests",
            dependencies: ["Pipeline", "PixelStages", "ImageCore", "MediaTypes", "DarkroomTestSupport"],
            swiftSettings: sharedSettings),
        .testTarget(
            name: "PipelineAWSTests", dependencies: ["PipelineAWS", "Pipeline", "AWSClient", "DarkroomTestSupport"],
            swiftSettings: sharedSettings),
        // The darkroom executable, run as a user runs it.
        .testTarget(
            name: "DarkroomTests", dependencies: ["Pipeline", "ImageCore", "AWSClient", "DarkroomTestSupport"],
            swiftSettings: sharedSettings),
    ]
)
