// swift-tools-version:5.7
// The Swift package of salespipe: `Salespipe` (the uniffi-generated Swift in
// Sources/Salespipe) over `SalespipeFFI` (the generated C header and modulemap), linked
// against the Rust library `salespipe_mobile`. scripts/test-mobile regenerates the sources
// and fails when the committed ones are stale.
//
// For `swift test` on a development machine the library comes from the workspace's
// target/debug (or SALESPIPE_LIB_DIR); an iOS app links the XCFramework instead (see
// ../README.md).
import Foundation
import PackageDescription

let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
let libDir = ProcessInfo.processInfo.environment["SALESPIPE_LIB_DIR"]
    ?? here.appendingPathComponent("../../target/debug").standardized.path

let package = Package(
    name: "Salespipe",
    platforms: [.macOS(.v12), .iOS(.v15)],
    products: [
        .library(name: "Salespipe", targets: ["Salespipe"]),
    ],
    targets: [
        .systemLibrary(name: "SalespipeFFI", path: "Sources/SalespipeFFI"),
        .target(
            name: "Salespipe",
            dependencies: ["SalespipeFFI"],
            path: "Sources/Salespipe",
            linkerSettings: [
                .linkedLibrary("salespipe_mobile"),
                .unsafeFlags(["-L", libDir, "-Xlinker", "-rpath", "-Xlinker", libDir]),
            ]
        ),
        .testTarget(
            name: "SalespipeTests",
            dependencies: ["Salespipe"],
            path: "Tests/SalespipeTests"
        ),
    ]
)
