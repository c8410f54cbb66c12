import Dispatch
import Foundation
import MexSession
import Synchronization

/// Turns SIGINT and SIGTERM into a clean stop of the session being scanned, so that a
/// camera scan ended with Ctrl-C still writes its EOF record.
final class StopSignals {
    /// What a signal acts on; shared with the signal handlers' queue.
    private final class Target: Sendable {
        struct State {
            var session: SessionControl?
            var stopped = false
        }
        let state = Mutex(State())

        func stop() {
            let session = state.withLock { state -> SessionControl? in
                state.stopped = true
                return state.session
            }
            session?.stop()
        }
    }

    private let target = Target()
    private var sources: [any DispatchSourceSignal] = []

    init() {
        for signalNumber in [SIGINT, SIGTERM] {
            // Ignored as signals so that only the dispatch source sees them.
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [target] in target.stop() }
            source.resume()
            sources.append(source)
        }
    }

    deinit { for source in sources { source.cancel() } }

    /// True once a stop signal has arrived; later inputs are skipped.
    var stopped: Bool { target.state.withLock { $0.stopped } }

    /// The session a signal should stop from now on.
    func watch(_ session: SessionControl?) {
        let stopNow = target.state.withLock { state -> Bool in
            state.session = session
            return state.stopped
        }
        if stopNow { session?.stop() }
    }
}
