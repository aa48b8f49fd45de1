// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "scriptsim",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "scriptsim", targets: ["scriptsim"]),
        .library(name: "ScriptSim", targets: ["ScriptSim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.0"..<"5.0.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.1.0"),
    ],
    targets: [
        // The only C in the project: what Swift cannot call directly (jemalloc's
        // MALLOCX_* macros, the lua_Alloc callback, Lua's function-like macros),
        // and the gzip and zstd readers, which keep zlib's and libzstd's headers
        // out of Swift.
        .target(
            name: "CScriptsimEngine",
            linkerSettings: [.linkedLibrary("lua5.4"), .linkedLibrary("jemalloc"), .linkedLibrary("z"), .linkedLibrary("zstd")]
        ),
        .target(
            name: "ScriptSim",
            dependencies: [
                "CScriptsimEngine",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: [
                .swiftLanguageMode(.v5),
                // Each replay object is used by one thread at a time, so the runtime's
                // dynamic exclusivity checks only cost time on the hot path (a profile
                // showed them at a quarter of a replay; docs/performance.md). Debug
                // builds, which the tests use, keep them.
                .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
            ]
        ),
        .executableTarget(
            name: "scriptsim",
            dependencies: [
                "ScriptSim",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        // Baselines for bench/run (not a product): the floors scriptsim is measured against.
        .executableTarget(
            name: "scriptsim-bench",
            dependencies: ["ScriptSim", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        .testTarget(
            name: "ScriptSimTests",
            dependencies: ["ScriptSim", "CScriptsimEngine"],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        // Public API only (no @testable): proves a policy can be added from outside.
        .testTarget(
            name: "ScriptSimPublicAPITests",
            dependencies: ["ScriptSim"],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
    ]
)
