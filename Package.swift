// swift-tools-version:6.1
import PackageDescription

// One target per stage of the data flow (DESIGN.md section 1). System libraries are
// wrapped in C modules whose headers hold the few macros Swift cannot import.
let package = Package(
    name: "mexd",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "mexd", targets: ["mexd"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // FFmpeg: libavformat, libavcodec, libswscale, libavutil (Debian: libav*-dev, libswscale-dev).
        .systemLibrary(name: "CFFmpeg", pkgConfig: "libavformat",
                       providers: [.apt(["libavformat-dev", "libavcodec-dev", "libswscale-dev", "libavutil-dev"])]),
        // libv4l2 (Debian: libv4l-dev) and the kernel's videodev2.h.
        .systemLibrary(name: "CV4L2", pkgConfig: "libv4l2", providers: [.apt(["libv4l-dev"])]),

        // Frames and the types every stage shares.
        .target(name: "MexCore"),
        // Stage 1: video sources (FFmpeg files/URLs, V4L2 cameras).
        .target(name: "MexSource", dependencies: [
            "MexCore", "CFFmpeg", "CV4L2", .product(name: "Logging", package: "swift-log"),
        ]),
        // The wire records (DESIGN.md section 3) and JSON Lines output.
        .target(name: "MexProtocol", dependencies: ["MexCore"]),
        .executableTarget(name: "mexd", dependencies: [
            "MexCore", "MexSource", "MexProtocol", "CFFmpeg",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Test inputs generated with the ffmpeg tool; used by tests only.
        .target(name: "MexTestSupport", path: "Tests/MexTestSupport"),
        .testTarget(name: "MexCoreTests", dependencies: ["MexCore"]),
        .testTarget(name: "MexSourceTests", dependencies: ["MexSource", "MexCore", "MexTestSupport", "CV4L2"]),
        .testTarget(name: "MexProtocolTests", dependencies: ["MexProtocol", "MexCore"]),
        .testTarget(name: "mexdTests", dependencies: ["mexd", "MexTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
