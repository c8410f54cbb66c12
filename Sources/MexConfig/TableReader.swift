import TOMLKit

/// Collects the issues of one file, each placed at its key's line.
final class IssueCollector {
    let file: String
    let locator: TOMLKeyLocator
    private(set) var issues: [ConfigIssue] = []

    init(file: String, locator: TOMLKeyLocator) {
        self.file = file
        self.locator = locator
    }

    func error(_ path: [String], _ message: String, hint: String? = nil) {
        add(.error, path, message, hint)
    }

    func warning(_ path: [String], _ message: String, hint: String? = nil) {
        add(.warning, path, message, hint)
    }

    /// A back-off whose first wait is longer than its longest, a source's or the broker's.
    func reconnectOrderError(_ path: [String], _ initial: Double, _ maximum: Double) {
        error(path, "reconnect_initial (\(TableReader.literal(initial))) is longer than reconnect_max (\(TableReader.literal(maximum)))",
              hint: "the wait starts at reconnect_initial and doubles up to reconnect_max")
    }

    private func add(_ severity: ConfigIssue.Severity, _ path: [String], _ message: String, _ hint: String?) {
        let issue = ConfigIssue(severity, file: file, line: path.isEmpty ? nil : locator.line(of: path),
                                keyPath: path.joined(separator: "."), message: message, hint: hint)
        // A bad [defaults] key inherited by several sources is one problem, said once.
        if !issues.contains(issue) { issues.append(issue) }
    }
}

/// What a number must be.
public enum NumberRule: Sendable, Equatable {
    case any
    case positive
    case nonNegative
    /// From 0 to 1, both included.
    case fraction

    var expectation: String {
        switch self {
        case .any: return "a number"
        case .positive: return "a positive number"
        case .nonNegative: return "a number >= 0"
        case .fraction: return "a number from 0 to 1"
        }
    }

    func accepts(_ value: Double) -> Bool {
        guard value.isFinite else { return false }
        switch self {
        case .any: return true
        case .positive: return value > 0
        case .nonNegative: return value >= 0
        case .fraction: return value >= 0 && value <= 1
        }
    }
}

/// Reads the keys of one table, reporting wrong types and bad values, then the keys
/// nobody asked for (with a "did you mean" hint).
final class TableReader {
    let table: TOMLTable
    let path: [String]
    let issues: IssueCollector
    private let known: [String]

    init(_ table: TOMLTable, path: [String], known: [String], issues: IssueCollector) {
        self.table = table
        self.path = path
        self.known = known
        self.issues = issues
    }

    func has(_ key: String) -> Bool { table.contains(key: key) }

    func keyPath(_ key: String) -> [String] { path + [key] }

    func value(_ key: String) -> TOMLValueConvertible? {
        assert(known.contains(key), "\(key) is missing from ConfigSchema")
        return table[key]
    }

    /// A number that `rule` accepts, and at most `maximum`: every number mexd.toml
    /// holds has an upper bound, so that none can overflow the frame counts and time
    /// amounts computed from it.
    func number(_ key: String, _ rule: NumberRule = .any, maximum: Double) -> Double? {
        guard let value = value(key) else { return nil }
        guard let number = value.double ?? value.int.map(Double.init) else {
            typeError(key, expected: "a number", got: value)
            return nil
        }
        guard rule.accepts(number), number <= maximum else {
            let bound = maximum == maximum.rounded() ? String(Int(maximum)) : String(maximum)
            let expected = rule == .fraction ? rule.expectation : "\(rule.expectation) up to \(bound)"
            issues.error(keyPath(key), "expected \(expected), got \(Self.literal(value))")
            return nil
        }
        return number
    }

    /// An integer from `minimum` to `maximum` (`Int.max`: as large as TOML allows).
    func integer(_ key: String, minimum: Int, maximum: Int) -> Int? {
        guard let value = value(key) else { return nil }
        guard let number = value.int else {
            if let double = value.double {
                issues.error(keyPath(key), "expected an integer, got \(Self.literal(double))")
            } else {
                typeError(key, expected: "an integer", got: value)
            }
            return nil
        }
        if number < minimum || number > maximum {
            let expected = maximum < Int.max ? "an integer from \(minimum) to \(maximum)"
                : (minimum == 1 ? "a positive integer" : "an integer >= \(minimum)")
            issues.error(keyPath(key), "expected \(expected), got \(number)")
            return nil
        }
        return number
    }

    /// A non-empty string that `check` finds no fault with (it returns the error).
    func string(_ key: String, what: String = "a string", check: ((String) -> String?)? = nil) -> String? {
        guard let value = value(key) else { return nil }
        guard let string = value.string else {
            typeError(key, expected: what, got: value)
            return nil
        }
        guard !string.isEmpty else {
            issues.error(keyPath(key), "expected \(what), got an empty string",
                         hint: "leave the key out to keep the default")
            return nil
        }
        return checked(key, string, check)
    }

    /// One of `values`, with a "did you mean" hint for a near miss.
    func choice(_ key: String, what: String, among values: [String]) -> String? {
        guard let string = string(key, what: what) else { return nil }
        guard values.contains(string) else {
            issues.error(keyPath(key), "expected one of \(values.joined(separator: ", ")), got \"\(string)\"",
                         hint: Self.suggestion(for: string, among: values).map { "did you mean \($0)?" })
            return nil
        }
        return string
    }

    /// An array of non-empty strings that `check` finds no fault with.
    func strings(_ key: String, what: String, check: (([String]) -> String?)? = nil) -> [String]? {
        guard let value = value(key) else { return nil }
        guard let array = value.array else {
            typeError(key, expected: "an array of \(what)", got: value)
            return nil
        }
        var strings: [String] = []
        for item in array {
            guard let string = item.string, !string.isEmpty else {
                issues.error(keyPath(key), "expected an array of \(what), got \(Self.describe(item))")
                return nil
            }
            strings.append(string)
        }
        return checked(key, strings, check)
    }

    private func checked<Value>(_ key: String, _ value: Value, _ check: ((Value) -> String?)?) -> Value? {
        if let problem = check?(value) {
            issues.error(keyPath(key), problem)
            return nil
        }
        return value
    }

    func bool(_ key: String) -> Bool? {
        guard let value = value(key) else { return nil }
        guard let bool = value.bool else {
            let hint = value.string.map { ["true", "false"].contains($0.lowercased()) ? "write \($0.lowercased()) without quotes" : nil } ?? nil
            typeError(key, expected: "true or false", got: value, hint: hint)
            return nil
        }
        return bool
    }

    func subtable(_ key: String) -> TOMLTable? {
        guard let value = value(key) else { return nil }
        guard let table = value.table else {
            typeError(key, expected: "a table", got: value)
            return nil
        }
        return table
    }

    func typeError(_ key: String, expected: String, got value: TOMLValueConvertible, hint: String? = nil) {
        var hint = hint
        if hint == nil, let string = value.string, Double(string) != nil {
            hint = "write the number without quotes"
        }
        issues.error(keyPath(key), "expected \(expected), got \(Self.describe(value))", hint: hint)
    }

    /// Reports every key of the table that is not one of `known`; a `refused` key with
    /// its own reason.
    func reportUnknownKeys(refused: [String: RefusedKey] = [:], elsewhere: (String) -> String? = { _ in nil }) {
        for key in table.keys.sorted(by: { line($0) < line($1) }) where !known.contains(key) {
            if let refusal = refused[key] {
                issues.error(keyPath(key), refusal.message, hint: refusal.hint)
                continue
            }
            let hint = Self.suggestion(for: key, among: known).map { "did you mean \($0)?" } ?? elsewhere(key)
            issues.error(keyPath(key), "unknown key", hint: hint)
        }
    }

    private func line(_ key: String) -> Int { issues.locator.line(of: keyPath(key)) ?? Int.max }

    // MARK: Describing values

    static func describe(_ value: TOMLValueConvertible) -> String {
        switch value.type {
        case .string: return "a string (\(literal(value)))"
        case .int: return "an integer (\(literal(value)))"
        case .double: return "a number (\(literal(value)))"
        case .bool: return "a boolean (\(literal(value)))"
        case .table: return "a table"
        case .array: return "an array"
        case .date: return "a date"
        case .time: return "a time"
        case .dateTime: return "a date-time"
        }
    }

    /// A value as it would be written in TOML (short strings quoted, whole floats bare).
    static func literal(_ value: TOMLValueConvertible) -> String {
        if let string = value.string {
            let short = string.count > 40 ? String(string.prefix(37)) + "..." : string
            return "\"\(short)\""
        }
        if let int = value.int { return String(int) }
        if let double = value.double { return literal(double) }
        if let bool = value.bool { return String(bool) }
        return describe(value)
    }

    static func literal(_ double: Double) -> String {
        if double.isFinite, double == double.rounded(), abs(double) < 1e15 { return String(Int(double)) }
        return String(double)
    }

    // MARK: Did you mean

    /// The known word closest to `word` by edit distance (a swap of two neighbours counts
    /// once), if it is close enough to be a likely typo.
    static func suggestion(for word: String, among candidates: [String]) -> String? {
        let lowered = word.lowercased()
        var best: (word: String, distance: Int)?
        for candidate in candidates {
            let distance = editDistance(lowered, candidate)
            if distance < (best?.distance ?? Int.max) { best = (candidate, distance) }
        }
        // A known word that starts with what was written ("warn" for "warning").
        if lowered.count >= 3, let longer = candidates.first(where: { $0.hasPrefix(lowered) }) { return longer }
        guard let best else { return nil }
        // One edit in four characters, at least one and at most three.
        let allowed = min(3, max(1, best.word.count / 4 + (lowered.count > 3 ? 1 : 0)))
        return best.distance <= allowed ? best.word : nil
    }

    /// Optimal string alignment distance: insertions, deletions, substitutions and
    /// transpositions of adjacent characters each cost 1.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let s = Array(a), t = Array(b)
        if s.isEmpty { return t.count }
        if t.isEmpty { return s.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: t.count + 1), count: s.count + 1)
        for i in 0...s.count { d[i][0] = i }
        for j in 0...t.count { d[0][j] = j }
        for i in 1...s.count {
            for j in 1...t.count {
                let cost = s[i - 1] == t[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, s[i - 1] == t[j - 2], s[i - 2] == t[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[s.count][t.count]
    }
}
