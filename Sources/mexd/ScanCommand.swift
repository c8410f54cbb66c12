import ArgumentParser
import Foundation
import Logging
import MexCore
import MexProtocol
import MexSource

/// `mexd scan FILE...`: runs each input through the pipeline and streams JSON Lines
/// records to stdout.
struct ScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Scan video files (or a camera, or a stream URL) and print JSON Lines records.",
        discussion: """
            Each input yields a SOURCE record when it opens, optional FRAME records, and an EOF \
            record with totals. Inputs that fail are reported on stderr and the others are still \
            scanned; the exit status is that of the first failure (see mexd(8)). SIGINT or SIGTERM \
            ends the current input with its EOF record and skips the rest.
            """)

    @Argument(help: "Files, image sequences (img%03d.png), rtsp:// URLs or /dev/video* devices.")
    var inputs: [String]

    @Flag(help: "Emit a FRAME record for every frame.")
    var frames = false

    @Option(help: "Stop each input after this many frames (needed for cameras, which never end).")
    var maxFrames: Int?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let maxFrames, maxFrames <= 0 { throw ValidationError("--max-frames must be positive") }
    }

    func run() async throws {
        let logger = global.makeLogger()
        let output = JSONLinesOutput()
        let opener = SourceOpener()
        let signals = StopSignals()
        var status = ExitStatus.ok
        for input in inputs {
            if signals.stopped {
                logger.notice("stopped by signal; \(input) not scanned")
                continue
            }
            let result = await scan(input, opener: opener, output: output, signals: signals, logger: logger)
            if status == .ok { status = result }
        }
        do { try output.flush() } catch {
            logger.error("\(error)")
            throw ExitStatus.ioError.exitCode
        }
        if status != .ok { throw status.exitCode }
    }

    private func scan(_ input: String, opener: SourceOpener, output: JSONLinesOutput, signals: StopSignals,
                      logger: Logger) async -> ExitStatus {
        let producer: any FrameProducer
        do {
            producer = try opener.open(input, logger: logger)
        } catch {
            logger.error("\(error)")
            return ExitStatus(error)
        }
        let info = producer.info
        let live = info.kind != .file
        let stream = FrameStream(producer, policy: SourceOpener.overflowPolicy(for: info.kind))
        signals.watch(stream)
        defer { signals.watch(nil) }
        let clock = ContinuousClock()
        let started = clock.now
        var status = ExitStatus.ok
        var lastPts: Double?
        var count = 0
        do {
            try output.write(Records.source(name: input, state: "online", info: info), flush: true)
            for try await frame in stream {
                if frames { try output.write(Records.frame(source: input, frame: frame), flush: live) }
                lastPts = frame.pts
                count += 1
                if let maxFrames, count >= maxFrames { stream.stop(); break }
            }
        } catch let error as SourceError {
            logger.error("\(error)")
            status = ExitStatus(error)
        } catch {
            logger.error("\(error)")
            return .ioError
        }
        let elapsed = (clock.now - started).inSeconds
        var statistics = await stream.finalStatistics()
        if status != .ok { statistics.endReason = .error }
        // Frames the scan processed; after a stop the producer may have decoded a few
        // more that nobody read.
        statistics.frames = count
        let step = info.fps.map { 1 / $0 } ?? 0
        let duration = lastPts.map { $0 + step } ?? 0
        do {
            try output.write(Records.eof(source: input, statistics: statistics, duration: duration, elapsed: elapsed), flush: true)
        } catch {
            logger.error("\(error)")
            return .ioError
        }
        return status
    }
}
