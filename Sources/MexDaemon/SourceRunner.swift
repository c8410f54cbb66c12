import Dispatch
import Foundation
import Logging
import MexConfig
import MexCore
import MexFace
import MexPipeline
import MexProtocol
import MexServer
import MexSource
import MexSpotting
import NIOConcurrencyHelpers

/// A producer handed from the thread that opened it to the runner, which alone uses
/// it from then on: ownership moves, nothing is shared.
private struct OpenedProducer: @unchecked Sendable {
    var result: Result<any FrameProducer, SourceError>
}

/// What every source runner shares.
struct RunnerContext: Sendable {
    var bus: EventBus
    var classifier: EventClassifier
    var cascade: String
    var spotter: SpotterBox
    var logger: Logger
}

/// The spotter settings in force; a reload replaces them and bumps the generation,
/// which each frame loop checks between frames.
final class SpotterBox: Sendable {
    private let state: NIOLockedValueBox<(settings: SpotterSettings, generation: Int)>

    init(_ settings: SpotterSettings) {
        state = NIOLockedValueBox((settings, 0))
    }

    var current: (settings: SpotterSettings, generation: Int) { state.withLockedValue { $0 } }

    func replace(_ settings: SpotterSettings) {
        state.withLockedValue { s in
            if s.settings != settings { s = (settings, s.generation + 1) }
        }
    }
}

/// Runs one source for the life of its configuration: opens it, feeds its frames
/// through the pipeline, and when the camera or stream goes away (error, unplug, stall)
/// closes what was open, says so with SOURCE records and reconnects with exponential
/// back-off (DESIGN.md section 4). A file source ends with EOF. Each connection gets a
/// pipeline of its own, so no event spans a reconnect.
final class SourceRunner: Sendable {
    let configuration: SourceConfiguration
    /// A one-off SCAN request: reported, never retried.
    let oneShot: Bool
    private let context: RunnerContext
    private let task = NIOLockedValueBox<Task<Void, Never>?>(nil)
    /// Why the runner was told to stop: the end_reason of events still open.
    private let stopReason = NIOLockedValueBox<String?>(nil)
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
            bus.publish(Records.source(name: name, state: "disabled", info: nil, reason: "disabled in the configuration"), source: name)
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

    /// Stops the source; events under way end with `reason` ("shutdown", "reload",
    /// "removed"). Returns once they are journaled and published.
    func stop(reason: String) async {
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
            let ending = await connect(attempt: attempt)
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
                    bus.board.update(name) { $0.state = "offline"; $0.reason = reason }
                    bus.publish(Records.source(name: name, state: "offline", info: nil, reason: reason), source: name)
                    return
                }
                attempt += 1
                // The same failure again is news for the protocol (attempt, retry_in_s),
                // not for the log.
                let message: Logger.Message = "\(name): \(reason); reconnecting in \(JSONObject.formatNumber(backoff, decimals: 1)) s"
                if reason == lastReason { logger.debug(message) } else { logger.warning(message) }
                lastReason = reason
                bus.board.update(name) { $0.state = "reconnecting"; $0.reason = reason; $0.reconnects = attempt }
                var record = Records.source(name: name, state: "reconnecting", info: nil, reason: reason)
                record.set("retry_in_s", backoff, decimals: 3)
                record.set("attempt", attempt)
                bus.publish(record, source: name)
                do { try await Task.sleep(for: .seconds(backoff)) } catch {
                    // Stopped while waiting: the last word on this source is that it is off.
                    let why = stopReason.withLockedValue { $0 } ?? "shutdown"
                    bus.board.update(name) { $0.state = "offline"; $0.reason = why }
                    bus.publish(Records.source(name: name, state: "offline", info: nil, reason: why), source: name)
                    return
                }
                backoff = min(backoff * 2, configuration.reconnectMax)
            }
        }
    }

    private func openProducer() async -> Result<any FrameProducer, SourceError> {
        var opener = SourceOpener()
        if let fps = configuration.fps { opener.camera.fps = fps }
        if let width = configuration.width { opener.camera.width = width }
        if let height = configuration.height { opener.camera.height = height }
        opener.camera.stallTimeout = configuration.stallTimeout
        opener.camera.controls = configuration.controls
        opener.ffmpeg.networkTimeout = configuration.stallTimeout
        if configuration.kind != .file { opener.ffmpeg.frameThreading = false }
        let location = configuration.location
        let logger = self.logger
        let options = opener
        // Opening blocks (an RTSP handshake can take the whole network timeout): keep
        // it off the concurrency pool's few threads.
        let opened = await withCheckedContinuation { (done: CheckedContinuation<OpenedProducer, Never>) in
            DispatchQueue.global().async {
                do throws(SourceError) {
                    done.resume(returning: OpenedProducer(result: .success(try options.open(location, logger: logger))))
                } catch {
                    done.resume(returning: OpenedProducer(result: .failure(error)))
                }
            }
        }
        return opened.result
    }

    /// One connection: open, run frames until the end, close what is open.
    private func connect(attempt: Int) async -> Ending {
        let producer: any FrameProducer
        switch await openProducer() {
        case .failure(let error):
            return .lost("\(error)")
        case .success(let opened):
            producer = opened
        }
        if Task.isCancelled { return .cancelled }
        let info = producer.info
        let fps = info.fps ?? configuration.fps ?? 30
        let isFile = configuration.kind == .file
        let stream = FrameStream(producer, policy: SourceOpener.overflowPolicy(for: configuration.kind))
        bus.board.update(name) { $0.state = "online"; $0.reason = nil; $0.info = info; $0.lastFrame = self.bus.board.now }
        bus.publish(Records.source(name: name, state: "online", info: info), source: name)
        logger.info("\(name): online (\(info.width)x\(info.height), \(info.format))")

        let bus = self.bus
        let publisher = EventPublisher(worker: context.classifier, logger: logger) { event, _, endReason in
            bus.commit(event, endReason: endReason)
        }
        let detector: HaarFaceDetector
        var pipeline: FacePipeline
        var generation: Int
        do {
            detector = try HaarFaceDetector(cascadePath: context.cascade)
            let spotter = context.spotter.current
            generation = spotter.generation
            pipeline = try FacePipeline(source: name, fps: fps, detector: detector, spotter: spotter.settings)
        } catch {
            stream.stop()
            return .lost("face pipeline: \(error)")
        }

        let stalled = NIOLockedValueBox(false)
        let watchdog = Task { [board = bus.board, name, stallTimeout = configuration.stallTimeout] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(250))
                let last = board.status(name)?.lastFrame ?? board.now
                if board.now - last > stallTimeout {
                    stalled.withLockedValue { $0 = true }
                    stream.stop()
                    return
                }
            }
        }
        let clock = ContinuousClock()
        let started = clock.now
        var failure: SourceError?
        var lastPts: Double?
        var firstPts: Double?
        var count = 0
        var droppedBefore = 0
        await withTaskCancellationHandler {
            do {
                for try await frame in stream {
                    if Task.isCancelled { break }
                    if isFile && configuration.realtime {
                        // A file played at its own pace stands in for a camera.
                        let first = firstPts ?? frame.pts
                        firstPts = first
                        let due = started + .seconds(frame.pts - first)
                        if due > clock.now { try? await Task.sleep(until: due, clock: clock) }
                        if Task.isCancelled { break }
                    }
                    let board = bus.board
                    board.update(name) { $0.processingSince = board.now; $0.lastFrame = board.now }
                    let spotter = context.spotter.current
                    if spotter.generation != generation {
                        for event in pipeline.finish() { publisher.publish(event, endReason: "reload") }
                        pipeline = try FacePipeline(source: name, fps: fps, detector: detector, spotter: spotter.settings)
                        generation = spotter.generation
                    }
                    for event in try pipeline.process(frame) { publisher.publish(event) }
                    if bus.server.hub.frameWatchers > 0 {
                        bus.publish(Records.frame(source: name, frame: frame, faces: pipeline.frameFaces), source: name)
                    }
                    count += 1
                    lastPts = frame.pts
                    let dropped = stream.statistics.droppedFrames
                    let faces = pipeline.lastObservations.count
                    board.update(name) {
                        $0.processingSince = nil
                        $0.frames += 1
                        $0.droppedFrames += dropped - droppedBefore
                        $0.faces = faces
                    }
                    droppedBefore = dropped
                }
            } catch let error as SourceError {
                failure = error
            } catch {
                failure = .readFailed(name, detail: "\(error)")
            }
        } onCancel: {
            stream.stop()
        }
        watchdog.cancel()
        bus.board.update(name) { $0.processingSince = nil }

        let cancelled = Task.isCancelled
        let wasStalled = stalled.withLockedValue { $0 }
        var statistics = await stream.finalStatistics()
        statistics.frames = count
        // A URL read as a file (http://, tcp://) that breaks off is a dropped stream, to
        // be reconnected; a local file that ends early is just a short file.
        let dropped = !cancelled && !wasStalled && failure == nil && statistics.endReason == .truncated
            && configuration.location.contains("://")
        let reason: String
        if cancelled {
            reason = stopReason.withLockedValue { $0 } ?? "shutdown"
        } else if wasStalled {
            reason = "stall: no frame for \(JSONObject.formatNumber(configuration.stallTimeout, decimals: 1)) s"
        } else if let failure {
            reason = "\(failure)"
        } else if dropped {
            reason = "stream broke off: " + (statistics.warnings.last ?? "read error")
        } else {
            reason = isFile ? "eof" : "end of stream"
        }
        // Events under way end here: a reconnect starts afresh.
        let endReason = cancelled ? reason : (wasStalled ? "stall" : (failure != nil || dropped || !isFile ? "source_lost" : "eof"))
        for event in pipeline.finish() { publisher.publish(event, endReason: endReason) }
        await publisher.drain()

        if isFile && !wasStalled && !dropped && !cancelled {
            // Files end once, with their totals: a damaged file is not read again.
            let step = info.fps.map { 1 / $0 } ?? 0
            var eof = Records.eof(source: name, statistics: statistics, duration: lastPts.map { $0 + step } ?? 0,
                                  elapsed: (clock.now - started).inSeconds)
            eof.set("events", publisher.count)
            bus.publish(eof, source: name)
            bus.board.update(name) { $0.state = "eof"; $0.reason = failure.map { "\($0)" } }
            bus.publish(Records.source(name: name, state: "eof", info: info, reason: failure.map { "\($0)" }), source: name)
            logger.info("\(name): end of file, \(count) frames, \(publisher.count) events")
            return .finished
        }
        if cancelled {
            bus.board.update(name) { $0.state = "offline"; $0.reason = reason }
            bus.publish(Records.source(name: name, state: "offline", info: info, reason: reason), source: name)
            return .cancelled
        }
        bus.board.update(name) { $0.state = "offline"; $0.reason = reason }
        bus.publish(Records.source(name: name, state: "offline", info: info, reason: reason), source: name)
        return .lost(reason)
    }
}
