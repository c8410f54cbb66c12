import MexSource
import Synchronization

/// Stops a session from outside its task (a signal handler, a watchdog): the stream
/// ends at once, and the session reports why. A stop that comes before the stream is
/// open takes effect as soon as it is.
public final class SessionControl: Sendable {
    /// Why a session was stopped.
    public enum Reason: Sendable, Equatable {
        case requested
        case stalled
    }

    private struct State {
        var stream: FrameStream?
        var reason: Reason?
    }

    private let state = Mutex(State())

    public init() {}

    public func stop(_ reason: Reason = .requested) {
        let stream = state.withLock { s -> FrameStream? in
            if s.reason == nil { s.reason = reason }
            return s.stream
        }
        stream?.stop()
    }

    /// Why the session was stopped, if it was.
    public var reason: Reason? { state.withLock { $0.reason } }

    func attach(_ stream: FrameStream?) {
        let stopNow = state.withLock { s -> Bool in
            s.stream = stream
            return s.reason != nil
        }
        if stopNow { stream?.stop() }
    }
}
