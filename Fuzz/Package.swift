// swift-tools-version:6.0
import PackageDescription

// libFuzzer harnesses, in a package of their own so that the main build never links an
// executable without a main (libFuzzer brings it). Build and run with scripts/fuzz.
// Instrumented for coverage (fuzzer) and memory errors (address); linked with libFuzzer's
// no-main library, since each harness's own main runs libFuzzer's driver.
let fuzzing: [SwiftSetting] = [.unsafeFlags(["-sanitize=fuzzer,address"])]
// (scripts/fuzz adds the toolchain's libclang_rt.fuzzer_no_main archive with -Xlinker.)
let linking: [LinkerSetting] = [.unsafeFlags(["-sanitize=address", "-lstdc++"])]

let package = Package(
    name: "DarkroomFuzz",
    dependencies: [.package(name: "Darkroom", path: "..")],
    targets: [
        .target(name: "FuzzDriver"),
        .executableTarget(
            name: "FuzzImageHeader", dependencies: ["FuzzDriver", .product(name: "ImageCore", package: "Darkroom")],
            swiftSettings: fuzzing, linkerSettings: linking),
        .executableTarget(
            name: "FuzzEvents", dependencies: ["FuzzDriver", .product(name: "StageFunction", package: "Darkroom")],
            swiftSettings: fuzzing, linkerSettings: linking),
        .executableTarget(
            name: "FuzzAWSResponses", dependencies: ["FuzzDriver", .product(name: "AWSClient", package: "Darkroom")],
            swiftSettings: fuzzing, linkerSettings: linking),
    ]
)
