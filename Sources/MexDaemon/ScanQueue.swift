import NIOConcurrencyHelpers

/// Admission for SCAN requests: at most `maxRunning` scans run at once, up to
/// `maxWaiting` more wait their turn in arrival order, and the rest are refused. Each
/// admitted scan gets the next name, scan-N. The scans to start now come out of
/// `starts`, which the source supervisor reads: the server's responder admits, the
/// supervisor runs, and neither needs the other.
final class ScanQueue: Sendable {
    enum Admission: Equatable {
        /// Start it now.
        case run(name: String)
        /// It waits; `position` scans are ahead of it in the queue (0: next).
        case wait(name: String, position: Int)
        case refused(String)
    }

    struct Waiting: Equatable {
        var name: String
        var path: String
    }

    private struct State {
        var running: Set<String> = []
        var waiting: [Waiting] = []
        var issued = 0
    }

    let maxRunning: Int
    let maxWaiting: Int
    private let state = NIOLockedValueBox(State())
    /// Scans to start, in order.
    let starts: AsyncStream<Waiting>
    private let startsInput: AsyncStream<Waiting>.Continuation

    init(maxRunning: Int, maxWaiting: Int) {
        self.maxRunning = maxRunning
        self.maxWaiting = maxWaiting
        (starts, startsInput) = AsyncStream.makeStream(of: Waiting.self)
    }

    func admit(path: String) -> Admission {
        state.withLockedValue { s in
            if s.running.count < maxRunning && s.waiting.isEmpty {
                s.issued += 1
                let name = "scan-\(s.issued)"
                s.running.insert(name)
                startsInput.yield(Waiting(name: name, path: path))
                return .run(name: name)
            }
            guard s.waiting.count < maxWaiting else {
                return .refused("\(s.running.count) scans running and \(s.waiting.count) waiting ([limits] max_scans \(maxRunning), scan_queue \(maxWaiting)); try later")
            }
            s.issued += 1
            let name = "scan-\(s.issued)"
            s.waiting.append(Waiting(name: name, path: path))
            return .wait(name: name, position: s.waiting.count - 1)
        }
    }

    /// A scan ended: the next waiting one, if any, starts.
    func finished(_ name: String) {
        state.withLockedValue { s in
            s.running.remove(name)
            guard s.running.count < maxRunning, !s.waiting.isEmpty else { return }
            let next = s.waiting.removeFirst()
            s.running.insert(next.name)
            startsInput.yield(next)
        }
    }

    /// Shutdown: scans that have not started never will, and `starts` ends.
    func close() {
        state.withLockedValue { $0.waiting.removeAll() }
        startsInput.finish()
    }

    var counts: (running: Int, waiting: Int) {
        state.withLockedValue { ($0.running.count, $0.waiting.count) }
    }
}
