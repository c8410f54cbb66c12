/// One problem found in a configuration file, with where it is and what to do.
public struct ConfigIssue: Sendable, Equatable, CustomStringConvertible {
    public enum Severity: Sendable, Equatable {
        /// The file cannot be used: `mexd run` refuses to start, check-config exits 78.
        case error
        /// The file works, but probably not as meant (no sources, every source disabled...).
        case warning
    }

    public var severity: Severity
    /// The file as the user named it.
    public var file: String
    /// 1-based line of the offending key (or of its table); nil when no line applies.
    public var line: Int?
    /// 1-based column, for syntax errors (TOMLKit reports where parsing stopped).
    public var column: Int?
    /// Dotted key path such as `sources.cam0.fps`; empty for a syntax error.
    public var keyPath: String
    public var message: String
    public var hint: String?

    public init(_ severity: Severity = .error, file: String, line: Int?, keyPath: String, message: String,
                hint: String? = nil) {
        self.severity = severity
        self.file = file
        self.line = line
        self.keyPath = keyPath
        self.message = message
        self.hint = hint
    }

    /// `mexd.toml:12: sources.cam0.fps: expected a positive number, got -5 (hint: ...)`, the
    /// compiler-style form editors can jump to. Warnings say so after the line.
    public var description: String {
        var out = file + (line.map { ":\($0)" } ?? "") + (line != nil ? column.map { ":\($0)" } ?? "" : "") + ": "
        if severity == .warning { out += "warning: " }
        if !keyPath.isEmpty { out += keyPath + ": " }
        out += message
        if let hint { out += " (hint: \(hint))" }
        return out
    }
}

/// Why a configuration could not be loaded. The CLI maps these to sysexits codes:
/// `notFound` and `unreadable` to 66 (EX_NOINPUT), `invalid` to 78 (EX_CONFIG).
public enum ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    case notFound(path: String)
    case unreadable(path: String, reason: String)
    /// Every problem found, errors and warnings, in line order; at least one is an error.
    case invalid([ConfigIssue])

    public var issues: [ConfigIssue] {
        if case .invalid(let issues) = self { return issues }
        return []
    }

    public var errors: [ConfigIssue] { issues.filter { $0.severity == .error } }

    public var description: String {
        switch self {
        case .notFound(let path):
            return "\(path): no such configuration file"
        case .unreadable(let path, let reason):
            return "\(path): cannot read the configuration file: \(reason)"
        case .invalid(let issues):
            return issues.map(\.description).joined(separator: "\n")
        }
    }
}
