import Dispatch
import Foundation
import MexSession
import Synchronization

/// Turns SIGINT and SIGTERM into a clean stop of the sessions being scanned, so that a
/// camera scan ended with Ctrl-C still writes its EOF record. With `--jobs` several
/// sessions run at once: a signal stops every one of them.
final class StopSignals: Sendable {
    /// What a signal acts on; shared with the signal handlers' queue.
    private final class Target: Sendable {
        struct State {
            var sessions: [ObjectIdentifier: SessionControl] = [:]
            var stopped = false
        }
        let state = Mutex(State())

        func stop() {
            let sessions = state.withLock { state -> [SessionControl] in
                state.stopped = true
                return Array(state.sessions.values)
            }
            for session in sessions { session.stop() }
        }
    }

    private let target = Target()
    /// Set once here and cancelled in deinit; nothing else touches them.
    private nonisolated(unsafe) let sources: [any DispatchSourceSignal]

    init() {
        sources = [SIGINT, SIGTERM].map { [target] signalNumber in
            // Ignored as signals so that only the dispatch source sees them.
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { target.stop() }
            source.resume()
            return source
        }
    }

    deinit { for source in sources { source.cancel() } }

    /// True once a stop signal has arrived; inputs not yet started are skipped.
    var stopped: Bool { target.state.withLock { $0.stopped } }

    /// A session a signal should stop, from now until `forget`; stopped at once if a
    /// signal came already.
    func watch(_ session: SessionControl) {
        let stopNow = target.state.withLock { state -> Bool in
            state.sessions[ObjectIdentifier(session)] = session
            return state.stopped
        }
        if stopNow { session.stop() }
    }

    func forget(_ session: SessionControl) {
        _ = target.state.withLock { $0.sessions.removeValue(forKey: ObjectIdentifier(session)) }
    }
}
