// swift-tools-version: 6.1
// A package of its own, so that `swift build` and `swift test` of scriptsim never
// see a target without a `main` (libFuzzer provides it). Build and run: docs/testing.md.
import Foundation
import PackageDescription

// A path dependency is named after its folder, which is whatever the clone is called.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
let rootIdentity = root.lastPathComponent.lowercased()

let package = Package(
    name: "scriptsim-fuzz",
    dependencies: [.package(path: "..")],
    targets: [
        .target(name: "FuzzDriver", swiftSettings: [.swiftLanguageMode(.v5)]),
        .executableTarget(
            name: "FuzzTraceReader",
            dependencies: ["FuzzDriver", .product(name: "ScriptSim", package: rootIdentity)],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        .executableTarget(
            name: "FuzzRESPReplies",
            dependencies: ["FuzzDriver", .product(name: "ScriptSim", package: rootIdentity)],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        .executableTarget(
            name: "FuzzUserInput",
            dependencies: ["FuzzDriver", .product(name: "ScriptSim", package: rootIdentity)],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
    ]
)
