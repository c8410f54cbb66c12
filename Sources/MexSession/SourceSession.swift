import Dispatch
import Foundation
import Logging
import MexCore
import MexFace
import MexPipeline
import MexProtocol
import MexSource
import MexSpotting
import MexVision

/// What a source's face pipeline is made with; a reload replaces both together.
public struct AnalysisSettings: Sendable, Equatable {
    public var spotter: SpotterSettings
    public var tracking: TrackingSettings

    public init(spotter: SpotterSettings = SpotterSettings(), tracking: TrackingSettings = TrackingSettings()) {
        self.spotter = spotter
        self.tracking = tracking
    }
}

/// One source, once: open → frames → face pipeline → classified events → EOF
/// (docs/ARCHITECTURE.md section 2). `mexd scan` runs one per input, the daemon one per
/// connection of each source (its runner reconnects by starting another), and a SCAN
/// request one. Records go to a `SessionSink`; the caller learns how it ended from the
/// returned `SessionResult` and says what follows (exit status, reconnection).
public struct SourceSession {
    public struct Options: Sendable {
        /// The source's name in records.
        public var name: String
        /// What to open: a path, URL or device.
        public var location: String
        public var opener = SourceOpener()
        /// The frame rate when the stream states none.
        public var fallbackFPS = 30.0
        /// Files only: frames at their own pace (their pts), as a camera gives them.
        public var realtime = false
        /// Files only: played as a camera (`PacedProducer`): paced by the wall clock,
        /// stamped with it, and dropped, oldest first, when the pipeline falls behind.
        public var live = false
        /// Stop after this many frames.
        public var maxFrames: Int?
        /// No frame for this long stops the session as stalled.
        public var stallTimeout: Double?
        /// Whether anyone takes FRAME records now (asked once a frame).
        public var wantsFrames: @Sendable () -> Bool = { false }
        /// Which endings write an EOF record.
        public var eof = EOFRule.always
        /// The end_reason of events still open when the session ends; nil: none.
        public var endReason: (@Sendable (SessionEnding) -> EventEndReason)?

        public init(name: String, location: String) {
            self.name = name
            self.location = location
        }
    }

    public enum EOFRule: Sendable {
        /// Every input that opened ends with its EOF, whatever ended it (`mexd scan`).
        case always
        /// Only a file read to its end, or to a read error, ends with EOF; a stopped,
        /// stalled or broken-off source is followed by SOURCE records instead (the daemon).
        case endOfFile
    }

    /// Faces, motion, spotting and classification; without it the session only decodes.
    public struct Analysis {
        public var detector: HaarFaceDetector
        public var classifier: EventClassifier
        /// The spotter and tracking settings in force and their generation: a new
        /// generation ends the events under way ("reload") and starts a fresh pipeline
        /// at the next frame.
        public var settings: @Sendable () -> (settings: AnalysisSettings, generation: Int)

        public init(detector: HaarFaceDetector, classifier: EventClassifier,
                    settings: @escaping @Sendable () -> (settings: AnalysisSettings, generation: Int)) {
            self.detector = detector
            self.classifier = classifier
            self.settings = settings
        }
    }

    public let options: Options
    public let analysis: Analysis?
    public let sink: any SessionSink
    public let observer: any SessionObserver
    public let control: SessionControl
    private let logger: Logger

    public init(options: Options, analysis: Analysis?, sink: any SessionSink, observer: any SessionObserver = NoSessionObserver(),
                control: SessionControl = SessionControl(), logger: Logger) {
        self.options = options
        self.analysis = analysis
        self.sink = sink
        self.observer = observer
        self.control = control
        self.logger = logger
    }

    /// Runs the session to its end; cancelling the task stops it like `control.stop()`.
    public func run() async -> SessionResult {
        let producer: any FrameProducer
        switch await open() {
        case .failure(let error): return SessionResult(ending: .openFailed(error))
        case .success(let opened): producer = opened
        }
        if Task.isCancelled { return SessionResult(ending: .stopped) }
        let info = producer.info
        let fps = info.fps ?? options.fallbackFPS
        let live = options.live && info.kind == .file
        let frames: any FrameProducer = live ? PacedProducer(producer) : producer
        let stream = FrameStream(frames, capacity: Self.queueCapacity(fps: fps),
                                 policy: SourceOpener.overflowPolicy(for: info.kind, live: live))

        var pipeline: FacePipeline?
        var publisher: EventPublisher?
        var generation = 0
        if let analysis {
            let current = analysis.settings()
            generation = current.generation
            do {
                pipeline = try Self.pipeline(options.name, fps: fps, analysis, current.settings)
            } catch {
                stream.stop()
                return SessionResult(ending: .pipelineFailed("face pipeline: \(error)"), info: info)
            }
            var seriesDelivery: EventPublisher.SeriesDelivery?
            if sink.wantsSeries {
                seriesDelivery = { @Sendable [sink] series, number in await sink.series(series, number: number) }
            }
            publisher = EventPublisher(worker: analysis.classifier, logger: logger, deliver: { [sink] event, number, endReason in
                await sink.event(event, number: number, endReason: endReason)
            }, deliverSeries: seriesDelivery)
        }

        observer.opened(info)
        await sink.record(Records.source(name: options.name, state: .online, info: info))
        control.attach(stream)
        defer { control.attach(nil) }
        let watchdog = options.stallTimeout.map { Self.watchdog(stream: stream, control: control, timeout: $0) }

        let clock = ContinuousClock()
        let started = clock.now
        var failure: SessionEnding?
        var lastPts: Double?
        var firstPts: Double?
        var lastFrameAt = started
        var count = 0
        await withTaskCancellationHandler {
            do {
                for try await frame in stream {
                    if Task.isCancelled { break }
                    lastFrameAt = clock.now
                    if options.realtime && !live && info.kind == .file {
                        let first = firstPts ?? frame.pts
                        firstPts = first
                        let due = started + .seconds(frame.pts - first)
                        if due > clock.now { try? await Task.sleep(until: due, clock: clock) }
                        if Task.isCancelled { break }
                    }
                    observer.frameStarted()
                    if let analysis, let current = pipeline {
                        let settings = analysis.settings()
                        if settings.generation != generation {
                            for event in current.finish() { publisher?.publish(event, endReason: .reload) }
                            for (key, series) in current.takeCompletedSeries() { publisher?.attach(series, to: key) }
                            pipeline = try Self.pipeline(options.name, fps: fps, analysis, settings.settings)
                            generation = settings.generation
                        }
                    }
                    if let pipeline, let publisher {
                        for event in try pipeline.process(frame) { publisher.publish(event) }
                        for (key, series) in pipeline.takeCompletedSeries() { publisher.attach(series, to: key) }
                        observer.frameAnalysed(index: frame.index, pts: frame.pts, faces: pipeline.lastObservations)
                    }
                    if options.wantsFrames() {
                        await sink.record(Records.frame(source: options.name, frame: frame, faces: pipeline?.frameFaces))
                    }
                    count += 1
                    lastPts = frame.pts
                    observer.frameFinished(pts: frame.pts, frames: count, droppedFrames: stream.statistics.droppedFrames,
                                           faces: pipeline?.lastObservations.count ?? 0)
                    if let maxFrames = options.maxFrames, count >= maxFrames {
                        control.stop()
                        break
                    }
                }
            } catch let error as SourceError {
                failure = .failed(error)
            } catch {
                failure = .pipelineFailed("\(error)")
            }
        } onCancel: { [control] in
            control.stop()
        }
        watchdog?.cancel()

        var statistics = await stream.finalStatistics()
        // Frames the session processed; after a stop the producer may have decoded a
        // few more that nobody read.
        statistics.frames = count
        // A source silent for the stall timeout has stalled, whichever noticed first: the
        // watchdog, or the source's own read timing out (FFmpeg's network timeout is the
        // stall timeout), which on a loaded machine can fire before the watchdog wakes.
        let silent = options.stallTimeout.map { (clock.now - lastFrameAt).inSeconds >= $0 } ?? false
        var readFailed = statistics.endReason == .truncated
        if case .failed? = failure { readFailed = true }
        let ending: SessionEnding
        if Task.isCancelled || control.reason == .requested {
            ending = .stopped
        } else if control.reason == .stalled || (silent && readFailed) {
            ending = .stalled
        } else if let failure {
            ending = failure
        } else if statistics.endReason == .truncated && options.location.contains("://") {
            // A URL read as a file (http://, tcp://) that breaks off is a dropped stream;
            // a local file that ends early is just a short file.
            ending = .brokeOff("stream broke off: " + (statistics.warnings.last ?? "read error"))
        } else {
            ending = .ended
        }
        if let pipeline, let publisher {
            let reason = options.endReason?(ending)
            for event in pipeline.finish() { publisher.publish(event, endReason: reason) }
            for (key, series) in pipeline.takeCompletedSeries() { publisher.attach(series, to: key) }
            await publisher.drain()
        }

        let elapsed = (clock.now - started).inSeconds
        let step = info.fps.map { 1 / $0 } ?? 0
        let duration = lastPts.map { $0 + step } ?? 0
        let writesEOF: Bool
        switch options.eof {
        case .always: writesEOF = true
        case .endOfFile: writesEOF = info.kind == .file && ending.isEndOfFile
        }
        if writesEOF {
            if case .failed = ending { statistics.endReason = .error }
            if case .pipelineFailed = ending { statistics.endReason = .error }
            var eof = Records.eof(source: options.name, statistics: statistics, duration: duration, elapsed: elapsed)
            if let publisher { eof.set("events", publisher.count) }
            await sink.record(eof)
        }
        return SessionResult(ending: ending, info: info, statistics: statistics, events: publisher?.count ?? 0, wroteEOF: writesEOF)
    }

    /// Frames queued between the source and the pipeline: a quarter of a second, at
    /// least 8. A live source drops frames only once the pipeline is that far behind,
    /// so a pause of the pipeline's thread (the scheduler, a classification, a burst
    /// of faces) shorter than that loses nothing; at 30 fps that is the 8 frames of
    /// before, at 200 fps 50 frames (15 MB at 640x480).
    static func queueCapacity(fps: Double) -> Int {
        max(8, Int((fps * 0.25).rounded()))
    }

    private static func pipeline(_ name: String, fps: Double, _ analysis: Analysis, _ settings: AnalysisSettings) throws(VisionError) -> FacePipeline {
        try FacePipeline(source: name, fps: fps, detector: analysis.detector, spotter: settings.spotter,
                         tracking: FaceTracker.Options(settings.tracking))
    }

    /// Opening blocks (an RTSP handshake can take the whole network timeout): it runs
    /// off the concurrency pool's few threads.
    private func open() async -> Result<any FrameProducer, SourceError> {
        let opener = options.opener, location = options.location, logger = self.logger
        let opened = await withCheckedContinuation { (done: CheckedContinuation<OpenedProducer, Never>) in
            DispatchQueue.global().async {
                do throws(SourceError) {
                    done.resume(returning: OpenedProducer(result: .success(try opener.open(location, logger: logger))))
                } catch {
                    done.resume(returning: OpenedProducer(result: .failure(error)))
                }
            }
        }
        return opened.result
    }

    /// Stops the session as stalled once the source has sent no frame for `timeout`
    /// seconds. What counts is frames arriving from the source, not frames leaving the
    /// pipeline: a consumer that runs behind is not a stalled camera.
    private static func watchdog(stream: FrameStream, control: SessionControl, timeout: Double) -> Task<Void, Never> {
        Task {
            var seen = stream.arrivals
            var since = ContinuousClock.now
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(250))
                let now = stream.arrivals
                if now != seen {
                    seen = now
                    since = .now
                } else if (ContinuousClock.now - since).inSeconds > timeout {
                    control.stop(.stalled)
                    return
                }
            }
        }
    }
}

/// How a session ended.
public enum SessionEnding: Sendable, Equatable {
    case openFailed(SourceError)
    /// The input ended: a file's end, or a camera or stream that said it ended.
    case ended
    /// Stopped on request: `SessionControl.stop()`, the task cancelled, or `maxFrames`.
    case stopped
    /// No frame for `stallTimeout`.
    case stalled
    /// A read error ended it.
    case failed(SourceError)
    /// A network stream read as a file ended early.
    case brokeOff(String)
    /// The face pipeline could not be made or failed on a frame.
    case pipelineFailed(String)

    /// A file read to its end or to a read error: it ends with EOF and is not read again.
    var isEndOfFile: Bool {
        switch self {
        case .ended, .failed, .pipelineFailed: true
        case .openFailed, .stopped, .stalled, .brokeOff: false
        }
    }
}

/// What a session did.
public struct SessionResult: Sendable {
    public var ending: SessionEnding
    public var info: StreamInfo?
    public var statistics = SourceStatistics()
    public var events = 0
    /// Whether the session wrote an EOF record.
    public var wroteEOF = false
}

/// A producer handed from the thread that opened it to the session, which alone uses
/// it from then on: ownership moves, nothing is shared.
private struct OpenedProducer: @unchecked Sendable {
    var result: Result<any FrameProducer, SourceError>
}
