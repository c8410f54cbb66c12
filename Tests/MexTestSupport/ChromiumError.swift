/// Why a headless Chromium run gave no result.
public enum ChromiumError: Error, CustomStringConvertible {
    /// No executable at any of these paths; scripts/test-setup installs Debian's chromium.
    case notInstalled(searched: [String])
    /// Chromium did not finish within the time allowed and was killed.
    case timedOut(after: Duration, stderrTail: String)
    /// Chromium could not be started, exited with an error, broke the DevTools
    /// protocol, or could not load the page.
    case failed(String, stderrTail: String)

    public var description: String {
        switch self {
        case .notInstalled(let searched):
            "chromium not found (looked for \(searched.joined(separator: ", "))); scripts/test-setup installs it"
        case .timedOut(let after, let tail):
            "chromium did not finish within \(after) and was killed" + Self.stderr(tail)
        case .failed(let message, let tail):
            "chromium: \(message)" + Self.stderr(tail)
        }
    }

    private static func stderr(_ tail: String) -> String {
        tail.isEmpty ? "" : "\n--- chromium's stderr (last lines) ---\n\(tail)"
    }
}
