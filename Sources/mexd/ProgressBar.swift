import Foundation

/// A one-line progress bar on stderr, drawn only when stderr is a terminal (so logs and
/// pipes stay clean), at most ten times a second.
final class ProgressBar {
    private let total: Double
    private let label: String
    private var lastDraw = ContinuousClock.now - .seconds(1)

    init?(total: Double?, label: String) {
        guard let total, total > 0, isatty(STDERR_FILENO) != 0 else { return nil }
        self.total = total
        self.label = (label as NSString).lastPathComponent
    }

    func update(seconds: Double) {
        let now = ContinuousClock.now
        guard now - lastDraw >= .milliseconds(100) else { return }
        lastDraw = now
        let fraction = min(1, max(0, seconds / total))
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        FileHandle.standardError.write(Data(String(format: "\r%@ [%@] %3.0f%% %.1f/%.1f s", label, bar, fraction * 100, seconds, total).utf8))
    }

    func finish() {
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
