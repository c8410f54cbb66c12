import Foundation
import MexCore
import MexProtocol
import NIOConcurrencyHelpers

/// What the daemon knows of each source right now: for SOURCES, STATS, STATUS= and the
/// watchdog. Written by the source runners, read by the server and the housekeeping.
public final class SourceBoard: Sendable {
    public struct Status: Sendable {
        public var name: String
        public var kind: SourceKind
        public var location: String
        public var enabled = true
        public var state = SourceState.connecting
        public var reason: String?
        public var info: StreamInfo?
        public var frames = 0
        public var droppedFrames = 0
        public var events = 0
        public var faces = 0
        public var reconnects = 0
        /// Monotonic seconds of the last frame, and since when a frame has been in the
        /// pipeline (nil between frames): the watchdog's evidence.
        public var lastFrame: Double?
        public var processingSince: Double?
    }

    private let state = NIOLockedValueBox<(order: [String], sources: [String: Status])>(([], [:]))
    private let started = ContinuousClock.now

    public init() {}

    /// Seconds on a monotonic clock since the board was made.
    public var now: Double { (ContinuousClock.now - started).inSeconds }

    public func register(_ name: String, kind: SourceKind, location: String, enabled: Bool) {
        state.withLockedValue { s in
            if s.sources[name] == nil { s.order.append(name) }
            var status = Status(name: name, kind: kind, location: location)
            status.enabled = enabled
            status.state = enabled ? .connecting : .disabled
            s.sources[name] = status
        }
    }

    public func remove(_ name: String) {
        state.withLockedValue { s in
            s.sources[name] = nil
            s.order.removeAll { $0 == name }
        }
    }

    public func update(_ name: String, _ change: (inout Status) -> Void) {
        state.withLockedValue { s in
            if var status = s.sources[name] {
                change(&status)
                s.sources[name] = status
            }
        }
    }

    public func status(_ name: String) -> Status? {
        state.withLockedValue { $0.sources[name] }
    }

    public var all: [Status] {
        state.withLockedValue { s in s.order.compactMap { s.sources[$0] } }
    }

    /// Whether every frame loop is making progress: none has been inside the pipeline
    /// for longer than `limit` seconds.
    public func healthy(limit: Double) -> Bool {
        let now = self.now
        return all.allSatisfy { status in status.processingSince.map { now - $0 < limit } ?? true }
    }

    /// The SOURCES record.
    public func record() -> JSONObject {
        Records.sources(all.map {
            Records.SourceEntry(name: $0.name, kind: $0.kind, location: $0.location, state: $0.state, reason: $0.reason,
                                enabled: $0.enabled, info: $0.info)
        })
    }

    /// Each source's totals, for STATS.
    public var totals: [Records.SourceTotals] {
        all.map {
            Records.SourceTotals(name: $0.name, state: $0.state, frames: $0.frames, droppedFrames: $0.droppedFrames,
                                 faces: $0.faces, events: $0.events, reconnects: $0.reconnects)
        }
    }
}
