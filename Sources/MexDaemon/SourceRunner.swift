import Dispatch
import Foundation
import Logging
import MexConfig
import MexCore
import MexFace
import MexPipeline
import MexProtocol
import MexSession
import MexSource
import MexSpotting
import NIOConcurrencyHelpers

/// What every source runner shares.
struct RunnerContext: Sendable {
    var bus: EventBus
    var classifier: EventClassifier
    var cascade: String
    var analysis: AnalysisSettingsBox
    var logger: Logger
}

/// The spotter and tracking settings in force; a reload replaces them and bumps the
/// generation, which each frame loop checks between frames.
final class AnalysisSettingsBox: Sendable {
    private let state: NIOLockedValueBox<(settings: AnalysisSettings, generation: Int)>

    init(_ settings: AnalysisSettings) {
        state = NIOLockedValueBox((settings, 0))
    }

    var current: (settings: AnalysisSettings, generation: Int) { state.withLockedValue { $0 } }

    func replace(_ settings: AnalysisSettings) {
        state.withLockedValue { s in
            if s.settings != settings { s = (settings, s.generation + 1) }
        }
    }
}

/// Supervises one source for the life of its configuration: each connection is a
/// `SourceSession` (open, frames, pipeline, events, EOF); when the camera or stream
/// goes away (error, unplug, stall) the runner says so with SOURCE records and
/// reconnects with exponential back-off (docs/ARCHITECTURE.md section 4). A file source
/// ends with EOF, or starts again with `loop`. Each connection gets a pipeline of its
/// own, so no event spans a reconnect.
final class SourceRunner: Sendable {
    let configuration: SourceConfiguration
    /// A one-off SCAN request: reported, never retried.
    let oneShot: Bool
    private let context: RunnerContext
    private let task = NIOLockedValueBox<Task<Void, Never>?>(nil)
    /// Why the runner was told to stop: the end_reason of events still open.
    private let stopReason = NIOLockedValueBox<EventEndReason?>(nil)
    /// Called once the runner has ended for good, its last records published.
    private let onEnd: (@Sendable (SourceRunner) -> Void)?

    init(_ configuration: SourceConfiguration, context: RunnerContext, oneShot: Bool = false,
         onEnd: (@Sendable (SourceRunner) -> Void)? = nil) {
        self.configuration = configuration
        self.context = context
        self.oneShot = oneShot
        self.onEnd = onEnd
    }

    private var name: String { configuration.name }
    private var bus: EventBus { context.bus }
    private var logger: Logger { context.logger }

    func start() {
        bus.board.register(name, kind: configuration.kind, location: configuration.location, enabled: configuration.enabled)
        guard configuration.enabled else {
            bus.publish(Records.source(name: name, state: .disabled, info: nil, reason: "disabled in the configuration"), source: name)
            return
        }
        let thread = SourceThread(name: "mexd-\(name)")
        task.withLockedValue {
            $0 = Task(executorPreference: thread) {
                await self.run()
                thread.shutdown()
                self.onEnd?(self)
            }
        }
    }

    /// Stops the source; events under way end with `reason` (shutdown, reload,
    /// removed). Returns once they are journaled and published.
    func stop(reason: EventEndReason) async {
        stopReason.withLockedValue { $0 = reason }
        let running = task.withLockedValue { $0 }
        running?.cancel()
        await running?.value
    }

    // MARK: the connection loop

    private enum Ending {
        case finished
        case cancelled
        case lost(String)
    }

    private func run() async {
        var backoff = configuration.reconnectInitial
        var attempt = 0
        var lastReason: String?
        while !Task.isCancelled {
            let opened = ContinuousClock.now
            let ending = await connect()
            switch ending {
            case .finished where configuration.loop && !oneShot:
                // A looping file starts again, its EOF published; one that ends within a
                // second (empty, or damaged near its start) waits that second first.
                attempt = 0
                backoff = configuration.reconnectInitial
                lastReason = nil
                if ContinuousClock.now - opened < .seconds(1) {
                    do { try await Task.sleep(for: .seconds(1)) } catch { return }
                }
                continue
            case .finished, .cancelled:
                return
            case .lost(let reason):
                if oneShot {
                    announce(.offline, reason: reason)
                    return
                }
                attempt += 1
                // The same failure again is news for the protocol (attempt, retry_in_s),
                // not for the log.
                let message: Logger.Message = "\(name): \(reason); reconnecting in \(JSONObject.formatNumber(backoff, decimals: 1)) s"
                if reason == lastReason { logger.debug(message) } else { logger.warning(message) }
                lastReason = reason
                bus.board.update(name) { $0.state = .reconnecting; $0.reason = reason; $0.reconnects = attempt }
                bus.publish(Records.source(name: name, state: .reconnecting, info: nil, reason: reason, retry: (backoff, attempt)),
                            source: name)
                do { try await Task.sleep(for: .seconds(backoff)) } catch {
                    // Stopped while waiting: the last word on this source is that it is off.
                    announce(.offline, reason: (stopReason.withLockedValue { $0 } ?? .shutdown).rawValue)
                    return
                }
                backoff = min(backoff * 2, configuration.reconnectMax)
            }
        }
    }

    /// The board and the subscribers learn the source's new state.
    private func announce(_ state: SourceState, reason: String?, info: StreamInfo? = nil) {
        bus.board.update(name) { $0.state = state; $0.reason = reason }
        bus.publish(Records.source(name: name, state: state, info: info, reason: reason), source: name)
    }

    private func sessionOptions() -> SourceSession.Options {
        var options = SourceSession.Options(name: name, location: configuration.location)
        if let fps = configuration.fps { options.opener.camera.fps = fps }
        if let width = configuration.width { options.opener.camera.width = width }
        if let height = configuration.height { options.opener.camera.height = height }
        options.opener.camera.stallTimeout = configuration.stallTimeout
        options.opener.camera.controls = configuration.controls
        options.opener.ffmpeg.networkTimeout = configuration.stallTimeout
        if configuration.kind != .file { options.opener.ffmpeg.frameThreading = false }
        options.fallbackFPS = configuration.fps ?? 30
        options.realtime = configuration.realtime
        options.live = configuration.live
        options.stallTimeout = configuration.stallTimeout
        options.eof = .endOfFile
        let bus = self.bus
        options.wantsFrames = { bus.frameWatchers > 0 }
        let stopReason = self.stopReason, isFile = configuration.kind == .file
        options.endReason = { ending in
            switch ending {
            case .stopped: stopReason.withLockedValue { $0 } ?? .shutdown
            case .stalled: .stall
            case .ended where isFile: .eof
            default: .sourceLost
            }
        }
        return options
    }

    /// One connection: a session, then what its ending means for this source.
    private func connect() async -> Ending {
        let detector: HaarFaceDetector
        do { detector = try HaarFaceDetector(cascadePath: context.cascade) } catch {
            return .lost("face pipeline: \(error)")
        }
        let settings = context.analysis
        let analysis = SourceSession.Analysis(detector: detector, classifier: context.classifier) { settings.current }
        let session = SourceSession(options: sessionOptions(), analysis: analysis, sink: DaemonSink(name: name, bus: bus),
                                    observer: BoardObserver(name: name, board: bus.board, logger: logger), logger: logger)
        let result = await session.run()
        bus.board.update(name) { $0.processingSince = nil }
        let info = result.info
        switch result.ending {
        case .openFailed(let error):
            return .lost("\(error)")
        case .stopped:
            if info == nil { return .cancelled }
            announce(.offline, reason: (stopReason.withLockedValue { $0 } ?? .shutdown).rawValue, info: info)
            return .cancelled
        case _ where result.wroteEOF:
            // Files end once, with their totals: a damaged file is not read again.
            let failure: String? = switch result.ending {
            case .failed(let error): "\(error)"
            case .pipelineFailed(let message): SourceError.readFailed(name, detail: message).description
            default: nil
            }
            announce(.eof, reason: failure, info: info)
            logger.info("\(name): end of file, \(result.statistics.frames) frames, \(result.events) events")
            return .finished
        case .ended:
            announce(.offline, reason: "end of stream", info: info)
            return .lost("end of stream")
        case .stalled:
            let reason = "stall: no frame for \(JSONObject.formatNumber(configuration.stallTimeout, decimals: 1)) s"
            announce(.offline, reason: reason, info: info)
            return .lost(reason)
        case .failed(let error):
            announce(.offline, reason: "\(error)", info: info)
            return .lost("\(error)")
        case .brokeOff(let reason), .pipelineFailed(let reason):
            if info != nil { announce(.offline, reason: reason, info: info) }
            return .lost(reason)
        }
    }
}

/// The daemon's records of a session: events into the journal, then to the
/// subscribers; the other records to the subscribers. Each event's score series,
/// which comes about a second after it, is journaled under the event's seq.
private final class DaemonSink: SessionSink {
    let name: String
    let bus: EventBus
    /// The seq of each journaled event whose series has not come yet, by number.
    private let seqs = NIOLockedValueBox<[Int: Int64]>([:])

    init(name: String, bus: EventBus) {
        self.name = name
        self.bus = bus
    }

    func record(_ record: JSONObject) async {
        bus.publish(record, source: name)
    }

    func event(_ event: ClassifiedEvent, number: Int, endReason: EventEndReason?) async {
        if let seq = bus.commit(event, endReason: endReason) { seqs.withLockedValue { $0[number] = seq } }
    }

    var wantsSeries: Bool { true }

    func series(_ series: MotionSeries, number: Int) async {
        guard let seq = seqs.withLockedValue({ $0.removeValue(forKey: number) }) else { return }
        bus.store(series, seq: seq)
    }
}

/// Keeps the source board current as a session goes: the evidence for SOURCES,
/// STATS, STATUS= and the watchdog. One per connection; the board's totals run across
/// connections.
private final class BoardObserver: SessionObserver {
    let name: String
    let board: SourceBoard
    let logger: Logger
    /// This connection's dropped frames already added to the board.
    private var droppedCounted = 0

    init(name: String, board: SourceBoard, logger: Logger) {
        self.name = name
        self.board = board
        self.logger = logger
    }

    func opened(_ info: StreamInfo) {
        let now = board.now
        board.update(name) { $0.state = .online; $0.reason = nil; $0.info = info; $0.lastFrame = now }
        logger.info("\(name): online (\(info.width)x\(info.height), \(info.format))")
    }

    func frameStarted() {
        let now = board.now
        board.update(name) { $0.processingSince = now; $0.lastFrame = now }
    }

    func frameFinished(pts: Double, frames: Int, droppedFrames: Int, faces: Int) {
        let newlyDropped = droppedFrames - droppedCounted
        droppedCounted = droppedFrames
        board.update(name) {
            $0.processingSince = nil
            $0.frames += 1
            $0.droppedFrames += newlyDropped
            $0.faces = faces
        }
    }
}
