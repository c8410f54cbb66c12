// swift-tools-version:6.1
import PackageDescription

// One target per stage of the data flow (docs/ARCHITECTURE.md section 2). System libraries are
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
        .package(url: "https://github.com/swiftcsv/SwiftCSV", from: "0.10.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // FFmpeg: libavformat, libavcodec, libswscale, libavutil (Debian: libav*-dev, libswscale-dev).
        .systemLibrary(name: "CFFmpeg", pkgConfig: "libavformat",
                       providers: [.apt(["libavformat-dev", "libavcodec-dev", "libswscale-dev", "libavutil-dev"])]),
        // libv4l2 (Debian: libv4l-dev) and the kernel's videodev2.h.
        .systemLibrary(name: "CV4L2", pkgConfig: "libv4l2", providers: [.apt(["libv4l-dev"])]),
        // libmosquitto, the reference MQTT client (Debian: libmosquitto-dev).
        .systemLibrary(name: "CMosquitto", pkgConfig: "libmosquitto", providers: [.apt(["libmosquitto-dev"])]),

        // OpenCV 4.6 (Debian: libopencv-dev, libopencv-contrib-dev) behind a C API. Only
        // the libraries used are linked: all 55 of pkg-config's cost 0.3 s of start-up.
        .target(name: "CMexVision",
                cxxSettings: [.unsafeFlags(["-I/usr/include/opencv4"])],
                linkerSettings: ["opencv_core", "opencv_imgproc", "opencv_imgcodecs", "opencv_objdetect",
                                 "opencv_video", "opencv_optflow", "opencv_dnn"].map { .linkedLibrary($0) }),

        // Frames and the types every stage shares.
        .target(name: "MexCore"),
        // Stage 1: video sources (FFmpeg files/URLs, V4L2 cameras).
        .target(name: "MexSource", dependencies: [
            "MexCore", "CFFmpeg", "CV4L2", .product(name: "Logging", package: "swift-log"),
        ]),
        // Every record and request of the wire protocol (docs/ARCHITECTURE.md section 8) and JSON Lines output.
        .target(name: "MexProtocol", dependencies: ["MexCore"]),
        // Swift face of CMexVision: errors, image views, resize and crop.
        .target(name: "MexVision", dependencies: ["MexCore", "CMexVision"]),
        // Stage 2: face detection and tracking, stable crops.
        .target(name: "MexFace", dependencies: ["MexCore", "MexVision", "CMexVision"]),
        // Stage 3: dense optical flow (DIS per frame, TV-L1 per event).
        .target(name: "MexMotion", dependencies: ["MexCore", "MexVision", "CMexVision"]),
        // Stage 4: the causal apex spotter (scalars in, intervals out).
        .target(name: "MexSpotting"),
        // Stages 2-5 wired per source: faces -> motion -> spotter -> classifier worker.
        .target(name: "MexPipeline", dependencies: ["MexCore", "MexVision", "MexFace", "MexMotion", "MexSpotting", "MexClassify"]),
        // MEGC spotting evaluation (`mexd eval`).
        .target(name: "MexEvaluation", dependencies: ["MexProtocol", .product(name: "SwiftCSV", package: "SwiftCSV")]),
        // Stage 5: SKD-TSTSAN inputs and the ONNX model through OpenCV DNN.
        // MexMotion: the head's registration of the key frames before TV-L1 (one fitter, there).
        .target(name: "MexClassify", dependencies: ["MexCore", "MexVision", "CMexVision", "MexMotion"]),
        // Pictures of what was found: the HTML scan report (SVG timelines, key faces,
        // flow pictures) and the pages drawn from the journal.
        .target(name: "MexReport", dependencies: ["MexCore", "MexVision", "MexMotion", "MexClassify", "MexPipeline"]),
        // The daemon's configuration (/etc/mexd/mexd.toml) and its validation.
        .target(name: "MexConfig", dependencies: [
            "MexCore", "MexSpotting", "MexProtocol", .product(name: "TOMLKit", package: "TOMLKit"),
        ]),
        // The event journal (SQLite through GRDB): seq numbers, POLL, retention.
        .target(name: "MexJournal", dependencies: [.product(name: "GRDB", package: "GRDB.swift")]),
        // The Unix-socket protocol server (man/mexd-protocol.7) on SwiftNIO.
        .target(name: "MexServer", dependencies: [
            "MexProtocol", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Events, source states and the daemon's status published to an MQTT broker
        // through libmosquitto, resumed from the journal after an outage.
        .target(name: "MexMQTT", dependencies: [
            "CMosquitto", "MexConfig", "MexJournal", "MexProtocol", .product(name: "Logging", package: "swift-log"),
        ]),
        // One source, once: open, frames, pipeline, classified events, EOF; records to a
        // sink. `mexd scan`, the daemon's sources and SCAN all run it.
        .target(name: "MexSession", dependencies: [
            "MexCore", "MexSource", "MexProtocol", "MexFace", "MexClassify", "MexSpotting", "MexPipeline",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // `mexd run`: source supervision and reconnection, the event bus, sd_notify,
        // reload and drain.
        .target(name: "MexDaemon", dependencies: [
            "MexCore", "MexSource", "MexProtocol", "MexFace", "MexClassify", "MexSpotting", "MexPipeline", "MexSession",
            "MexConfig", "MexJournal", "MexServer", "MexReport", "MexMQTT",
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "mexd", dependencies: [
            "MexCore", "MexSource", "MexProtocol", "MexVision", "MexFace", "MexClassify", "MexEvaluation", "MexSpotting", "MexPipeline", "CFFmpeg",
            "MexConfig", "MexJournal", "MexServer", "MexDaemon", "MexSession", "MexReport",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Benchmarks of the stages (bench/*/run call it).
        .executableTarget(name: "mexd-bench", dependencies: [
            "MexCore", "MexSource", "MexVision", "MexFace", "MexMotion", "MexClassify", "MexSpotting", "MexPipeline", "MexEvaluation",
            "MexConfig", "MexTestSupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "bench/Sources/mexd-bench"),

        // Test inputs generated with the ffmpeg tool; used by tests only.
        .target(name: "MexTestSupport", path: "Tests/MexTestSupport"),
        .testTarget(name: "MexCoreTests", dependencies: ["MexCore"]),
        .testTarget(name: "MexSourceTests", dependencies: ["MexSource", "MexCore", "MexTestSupport", "CV4L2"]),
        .testTarget(name: "MexFaceTests", dependencies: ["MexFace", "MexCore", "MexVision", "MexSource", "MexTestSupport"]),
        .testTarget(name: "MexVisionTests", dependencies: ["MexVision", "MexCore", "MexTestSupport"]),
        .testTarget(name: "MexMotionTests", dependencies: ["MexMotion", "MexCore", "MexVision", "MexTestSupport"]),
        .testTarget(name: "MexSpottingTests", dependencies: ["MexSpotting"]),
        .testTarget(name: "MexEvaluationTests", dependencies: ["MexEvaluation"]),
        .testTarget(name: "MexPipelineTests", dependencies: ["MexPipeline", "MexSource", "MexFace", "MexCore", "MexSpotting", "MexTestSupport", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "MexClassifyTests", dependencies: ["MexClassify", "MexCore", "MexMotion", "MexTestSupport"]),
        .testTarget(name: "MexProtocolTests", dependencies: ["MexProtocol", "MexCore"]),
        .testTarget(name: "MexConfigTests", dependencies: ["MexConfig", "MexCore", "MexSpotting"]),
        .testTarget(name: "MexJournalTests", dependencies: ["MexJournal"]),
        .testTarget(name: "MexReportTests", dependencies: ["MexReport", "MexCore", "MexMotion"]),
        .testTarget(name: "MexServerTests", dependencies: ["MexServer", "MexProtocol", .product(name: "Logging", package: "swift-log"), .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")]),
        .testTarget(name: "MexMQTTTests", dependencies: ["MexMQTT", "MexConfig", "MexJournal", "MexProtocol", "MexTestSupport",
                                                        .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "MexDaemonTests", dependencies: ["MexDaemon", "MexConfig", "MexTestSupport"]),
        .testTarget(name: "mexdTests", dependencies: ["mexd", "MexTestSupport", "MexVision", "MexCore"]),
    ],
    swiftLanguageModes: [.v6]
)
