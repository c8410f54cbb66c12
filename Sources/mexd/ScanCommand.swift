import ArgumentParser
import Foundation
import Logging
import MexClassify
import MexCore
import MexDaemon
import MexFace
import MexPipeline
import MexProtocol
import MexSource
import MexSpotting

/// `mexd scan FILE...`: runs each input through the pipeline and streams JSON Lines
/// records to stdout.
struct ScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Scan video files (or a camera, or a stream URL) and print JSON Lines records.",
        discussion: """
            Each input yields a SOURCE record when it opens, an EVENT record for each \
            micro- or macro-expression as it is found (faces tracked, motion scored, the causal \
            apex spotter, SKD-TSTSAN on the key frames), optional FRAME records, and an EOF \
            record with totals. Inputs that fail are reported on stderr and the others are still \
            scanned; the exit status is that of the first failure (see mexd(8)). SIGINT or SIGTERM \
            ends the current input with its EOF record and skips the rest.
            """)

    @Argument(help: "Files, image sequences (img%03d.png), rtsp:// URLs or /dev/video* devices.")
    var inputs: [String]

    @Flag(help: "Emit a FRAME record for every frame (index, pts, and each face's box, motion score and threshold).")
    var frames = false

    @Option(help: "Stop each input after this many frames (needed for cameras, which never end).")
    var maxFrames: Int?

    @Option(help: "ONNX model exported by Training/ (its card NAME.json beside it). Default: the bundled model.")
    var model: String?

    @Flag(help: "Spot events but do not classify them.")
    var noClassify = false

    @Flag(help: "Only decode: no faces, no events (the decode benchmark's mode).")
    var decodeOnly = false

    @Option(help: "OpenCV Haar cascade for face detection.")
    var cascade: String = HaarFaceDetector.defaultCascade

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let maxFrames, maxFrames <= 0 { throw ValidationError("--max-frames must be positive") }
    }

    func run() async throws {
        let logger = global.makeLogger()
        let writer = RecordWriter()
        let opener = SourceOpener()
        let signals = StopSignals()
        let analysis = try decodeOnly ? nil : makeAnalysis(logger: logger)
        var status = ExitStatus.ok
        for input in inputs {
            if signals.stopped {
                logger.notice("stopped by signal; \(input) not scanned")
                continue
            }
            let result = await scan(input, opener: opener, writer: writer, analysis: analysis, signals: signals, logger: logger)
            if status == .ok { status = result }
        }
        if let error = await writer.finish() {
            logger.error("\(error)")
            throw ExitStatus.ioError.exitCode
        }
        if status != .ok { throw status.exitCode }
    }

    /// What every input's pipeline shares: the face detector and the classifier worker.
    struct Analysis {
        var detector: HaarFaceDetector
        var classifier: EventClassifier
    }

    private func makeAnalysis(logger: Logger) throws -> Analysis {
        let detector: HaarFaceDetector
        do { detector = try HaarFaceDetector(cascadePath: cascade) } catch {
            logger.error("\(error)")
            throw ExitStatus.unavailable.exitCode
        }
        var classifier: Classifier?
        if !noClassify {
            if let path = model ?? ModelLocator.defaultModel() {
                do { classifier = try Classifier(modelPath: path) } catch {
                    logger.error("\(error)")
                    throw ExitStatus.dataError.exitCode
                }
            }
            // Without a model, events are still spotted; the first one says why it has no label.
        }
        return Analysis(detector: detector, classifier: EventClassifier(classifier: classifier))
    }

    private func scan(_ input: String, opener: SourceOpener, writer: RecordWriter, analysis: Analysis?, signals: StopSignals,
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
        var pipeline: FacePipeline?
        var publisher: EventPublisher?
        if let analysis {
            do {
                pipeline = try FacePipeline(source: input, fps: info.fps ?? 30, detector: analysis.detector)
            } catch {
                logger.error("\(input): \(error)")
                return .software
            }
            let card = analysis.classifier.card
            publisher = EventPublisher(worker: analysis.classifier, logger: logger) { [writer] event, number, endReason in
                let fields = EventPublisher.fields(event, sequence: number, card: card, endReason: endReason)
                await writer.write(Records.event(fields), flush: true)
            }
        }
        let progress = ProgressBar(total: info.duration, label: input)
        signals.watch(stream)
        defer { signals.watch(nil) }
        let clock = ContinuousClock()
        let started = clock.now
        var status = ExitStatus.ok
        var lastPts: Double?
        var count = 0
        do {
            await writer.write(Records.source(name: input, state: "online", info: info), flush: true)
            for try await frame in stream {
                if let pipeline, let publisher {
                    for event in try pipeline.process(frame) { publisher.publish(event) }
                }
                if frames {
                    await writer.write(Records.frame(source: input, frame: frame, faces: pipeline?.frameFaces), flush: live)
                }
                lastPts = frame.pts
                count += 1
                progress?.update(seconds: frame.pts)
                if let maxFrames, count >= maxFrames { stream.stop(); break }
            }
        } catch let error as SourceError {
            logger.error("\(error)")
            status = ExitStatus(error)
        } catch {
            logger.error("\(input): \(error)")
            status = .software
        }
        if let pipeline, let publisher {
            for event in pipeline.finish() { publisher.publish(event) }
            await publisher.drain()
        }
        progress?.finish()
        let elapsed = (clock.now - started).inSeconds
        var statistics = await stream.finalStatistics()
        if status != .ok { statistics.endReason = .error }
        // Frames the scan processed; after a stop the producer may have decoded a few
        // more that nobody read.
        statistics.frames = count
        let step = info.fps.map { 1 / $0 } ?? 0
        let duration = lastPts.map { $0 + step } ?? 0
        var eof = Records.eof(source: input, statistics: statistics, duration: duration, elapsed: elapsed)
        if let publisher { eof.set("events", publisher.count) }
        await writer.write(eof, flush: true)
        return status
    }
}
