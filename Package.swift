// swift-tools-version:6.0
import PackageDescription

// Settings every Swift target shares: Swift 6 language mode is the package default; these add
// the upcoming features we rely on so that each target reads the same way.
let sharedSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
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
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
    ],
    targets: [
        .systemLibrary(
            name: "CVips", pkgConfig: "vips", providers: [.apt(["libvips-dev"])]),
        .systemLibrary(
            name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(
            name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .target(name: "ImageCore", dependencies: ["CVips"], swiftSettings: sharedSettings),
        .target(name: "AWSClient", dependencies: ["CCurl", "CCrypto"], swiftSettings: sharedSettings),
        .target(name: "Pipeline", dependencies: ["AWSClient"], swiftSettings: sharedSettings),
        .target(
            name: "PixelStages", dependencies: ["Pipeline", "ImageCore"],
            swiftSettings: sharedSettings),
        .executableTarget(
            name: "darkroom",
            dependencies: [
                "PixelStages", "Pipeline", "AWSClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: sharedSettings),
        .testTarget(
            name: "ImageCoreTests", dependencies: ["ImageCore"], swiftSettings: sharedSettings),
        // What every test target shares: temporary folders, paths, and the local AWS helper process.
        .target(
            name: "DarkroomTestSupport", dependencies: ["AWSClient"], path: "Tests/Support", exclude: ["local_aws.py"],
            swiftSettings: sharedSettings),
        .testTarget(
            name: "AWSClientTests", dependencies: ["AWSClient", "DarkroomTestSupport"], swiftSettings: sharedSettings),
        .testTarget(
            name: "PipelineTests", dependencies: ["Pipeline", "PixelStages", "ImageCore", "DarkroomTestSupport"],
            swiftSettings: sharedSettings),
    ]
)
