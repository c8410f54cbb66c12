import Foundation
import Logging

/// Diagnostics on stderr. Under systemd (JOURNAL_STREAM set) each line starts with the
/// syslog priority in angle brackets, which journald turns into the entry's priority
/// (sd-daemon(3)); on a terminal it reads "mexd: warning: ...".
struct StderrLogHandler: LogHandler {
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    let journald: Bool

    init(level: Logger.Level, journald: Bool = ProcessInfo.processInfo.environment["JOURNAL_STREAM"] != nil) {
        self.logLevel = level
        self.journald = journald
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let text: String
        if journald {
            text = "<\(Self.syslogPriority(event.level))>\(event.message)\n"
        } else {
            let label = event.level >= .warning ? "\(Self.name(event.level)): " : ""
            text = "mexd: \(label)\(event.message)\n"
        }
        text.utf8CString.withUnsafeBufferPointer { bytes in
            _ = Foundation.write(STDERR_FILENO, bytes.baseAddress, bytes.count - 1)
        }
    }

    static func syslogPriority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }

    private static func name(_ level: Logger.Level) -> String {
        switch level {
        case .warning: return "warning"
        case .error: return "error"
        case .critical: return "critical"
        default: return level.rawValue
        }
    }
}
