import Foundation
import Synchronization

/// A scan's one-line progress bar on stderr, drawn only when stderr is a terminal (so
/// logs and pipes stay clean), at most ten times a second.
///
/// With one job it follows the input being scanned: its name, and how far into its
/// duration the scan is. With several jobs (`--jobs`) it sums up the whole scan: inputs
/// finished out of all, and a bar where each input counts as one and a running one by
/// the share of its duration scanned. An input of unknown duration (a camera) counts
/// as nothing until it ends.
final class ProgressBar: Sendable {
    private struct Running {
        var label: String
        var total: Double?
        var seconds = 0.0

        var fraction: Double {
            guard let total, total > 0 else { return 0 }
            return min(1, max(0, seconds / total))
        }
    }

    private struct State {
        var running: [Int: Running] = [:]
        var finished = 0
        var lastDraw = ContinuousClock.now - .seconds(1)
    }

    private let inputs: Int
    private let summary: Bool
    private let state = Mutex(State())
    private static let width = 30

    init?(inputs: Int, jobs: Int) {
        guard isatty(STDERR_FILENO) != 0 else { return nil }
        self.inputs = inputs
        summary = jobs > 1
    }

    func opened(_ input: Int, label: String, duration: Double?) {
        state.withLock { $0.running[input] = Running(label: (label as NSString).lastPathComponent, total: duration) }
    }

    func update(_ input: Int, seconds: Double) {
        let line = state.withLock { state -> String? in
            state.running[input]?.seconds = seconds
            let now = ContinuousClock.now
            guard now - state.lastDraw >= .milliseconds(100) else { return nil }
            state.lastDraw = now
            return summary ? summaryLine(state) : inputLine(state.running[input])
        }
        if let line { FileHandle.standardError.write(Data(("\r" + line).utf8)) }
    }

    /// The input ended (or never opened): its line is cleared.
    func finished(_ input: Int) {
        state.withLock {
            $0.running[input] = nil
            $0.finished += 1
        }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }

    private func inputLine(_ running: Running?) -> String? {
        guard let running, let total = running.total, total > 0 else { return nil }
        let fraction = running.fraction
        return String(format: "%@ [%@] %3.0f%% %.1f/%.1f s", running.label, Self.bar(fraction), fraction * 100, running.seconds, total)
    }

    private func summaryLine(_ state: State) -> String {
        let done = Double(state.finished) + state.running.values.reduce(0) { $0 + $1.fraction }
        let fraction = min(1, done / Double(max(1, inputs)))
        return String(format: "%d/%d inputs [%@] %3.0f%%, %d running", state.finished, inputs, Self.bar(fraction), fraction * 100,
                      state.running.count)
    }

    private static func bar(_ fraction: Double) -> String {
        let filled = Int(fraction * Double(width))
        return String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
    }
}
