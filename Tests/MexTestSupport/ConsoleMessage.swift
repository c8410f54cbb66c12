/// A message in a page's console: what the page's scripts wrote with console.*, an
/// exception nothing caught, or the browser's own report (a resource that failed to
/// load, a deprecated feature).
public struct ConsoleMessage: Sendable, Equatable, CustomStringConvertible {
    public enum Level: String, Sendable {
        case debug, log, info, warning, error
    }

    public let level: Level
    public let message: String
    /// The script or resource it concerns (a file:// URL), when Chromium says.
    public let source: String?
    /// 1-based line in `source`, when Chromium says.
    public let line: Int?

    public init(level: Level, message: String, source: String?, line: Int?) {
        self.level = level
        self.message = message
        self.source = source
        self.line = line
    }

    /// console.error, console.assert, uncaught exceptions and failed loads.
    public var isError: Bool { level == .error }

    public var description: String {
        let place = [source, line.map(String.init)].compactMap { $0 }.joined(separator: ":")
        return "\(level.rawValue): \(message)" + (place.isEmpty ? "" : " (\(place))")
    }
}

extension ConsoleMessage {
    typealias Object = [String: Any]

    /// The message a DevTools event carries: Runtime.consoleAPICalled,
    /// Runtime.exceptionThrown or Log.entryAdded; nil for other events.
    init?(devToolsEvent method: String, params: Object) {
        switch method {
        case "Runtime.consoleAPICalled":
            let frame = ((params["stackTrace"] as? Object)?["callFrames"] as? [Object])?.first
            let arguments = params["args"] as? [Object] ?? []
            self.init(level: Self.level(ofConsoleCall: params["type"] as? String),
                      message: arguments.map(Self.text(of:)).joined(separator: " "),
                      source: frame?["url"] as? String, line: Self.line(frame?["lineNumber"]))
        case "Runtime.exceptionThrown":
            guard let details = params["exceptionDetails"] as? Object else { return nil }
            // "Uncaught" plus the exception's first line ("Error: boom"), not its stack.
            let thrown = ((details["exception"] as? Object)?["description"] as? String)?
                .split(separator: "\n").first.map(String.init)
            let text = details["text"] as? String ?? "Uncaught"
            self.init(level: .error, message: [text, thrown].compactMap { $0 }.joined(separator: " "),
                      source: details["url"] as? String, line: Self.line(details["lineNumber"]))
        case "Log.entryAdded":
            guard let entry = params["entry"] as? Object else { return nil }
            let levels: [String: Level] = ["verbose": .debug, "info": .info, "warning": .warning, "error": .error]
            self.init(level: levels[entry["level"] as? String ?? ""] ?? .info, message: entry["text"] as? String ?? "",
                      source: entry["url"] as? String, line: Self.line(entry["lineNumber"]))
        default:
            return nil
        }
    }

    /// console.error and a failed console.assert are errors; console.warn is "warning".
    private static func level(ofConsoleCall type: String?) -> Level {
        switch type {
        case "error", "assert": .error
        case "warning": .warning
        case "info": .info
        case "debug": .debug
        default: .log
        }
    }

    /// A console argument as the console shows it: strings and numbers by value,
    /// objects by their description.
    private static func text(of argument: Object) -> String {
        if let value = argument["value"] { return "\(value)" }
        if let value = argument["unserializableValue"] as? String { return value }
        if let description = argument["description"] as? String { return description }
        return argument["type"] as? String ?? "?"
    }

    /// DevTools counts lines from 0.
    private static func line(_ value: Any?) -> Int? { (value as? Int).map { $0 + 1 } }
}
