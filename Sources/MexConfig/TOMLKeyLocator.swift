/// Finds the line on which each key of a TOML document is defined.
///
/// TOMLKit's tables do not keep source positions, so this scans the text itself: table
/// headers (`[a.b]`, `[[a]]`), `key = value` lines, dotted and quoted keys, inline
/// tables, and values (strings, multi-line strings, arrays) that span lines. It does not
/// validate anything: a document TOMLKit rejects still gets the lines it can find.
public struct TOMLKeyLocator: Sendable {
    /// Each key path in the order it first appears, with its 1-based line. A dotted
    /// key or a header also defines its parents (`a.b.c = 1` defines `a` and `a.b`).
    public private(set) var entries: [(path: [String], line: Int)] = []
    private var lines: [[String]: Int] = [:]
    /// Lines with a table header that has no name where one must start (`[` followed
    /// by the end of the line, `#`, `=` or `.`). TOMLKit's parser (toml++) stops the
    /// process on an assertion for these instead of reporting them, so the loader
    /// rejects them before parsing.
    public private(set) var namelessHeaders: [Int] = []

    public init(_ text: String) {
        var scanner = Scanner(Array(text.utf8))
        scanner.scanDocument { path, line in self.record(path, line) }
        namelessHeaders = scanner.namelessHeaders
    }

    /// The line where `path` is defined, or else where its nearest defined parent is
    /// (a value inside an array is reported at the array's key).
    public func line(of path: [String]) -> Int? {
        var path = path
        while !path.isEmpty {
            if let line = lines[path] { return line }
            path.removeLast()
        }
        return nil
    }

    /// The line of a dotted key path such as `sources.cam0.fps` (no quoted parts).
    public func line(of dottedPath: String) -> Int? {
        line(of: dottedPath.split(separator: ".", omittingEmptySubsequences: false).map(String.init))
    }

    /// Only the first definition counts: a repeated key is a syntax error TOMLKit reports.
    private mutating func record(_ path: [String], _ line: Int) {
        for length in 1...max(1, path.count) where length <= path.count {
            let prefix = Array(path.prefix(length))
            if lines[prefix] == nil {
                lines[prefix] = line
                entries.append((prefix, line))
            }
        }
    }
}

/// A forgiving byte-level reader of TOML structure. Every loop consumes at least one
/// byte or stops, so malformed input ends the scan instead of hanging it.
private struct Scanner {
    let bytes: [UInt8]
    var index = 0
    var line = 1
    var namelessHeaders: [Int] = []

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { index >= bytes.count }
    func peek(_ offset: Int = 0) -> UInt8? { index + offset < bytes.count ? bytes[index + offset] : nil }

    mutating func advance() {
        if bytes[index] == UInt8(ascii: "\n") { line += 1 }
        index += 1
    }

    mutating func scanDocument(_ found: (_ path: [String], _ line: Int) -> Void) {
        var table: [String] = []
        while true {
            skipSpace(newlines: true)
            guard let byte = peek() else { return }
            if byte == UInt8(ascii: "[") {
                let arrayOfTables = peek(1) == UInt8(ascii: "[")
                advance()
                if arrayOfTables { advance() }
                let headerLine = line
                skipSpace(newlines: false)
                if let next = peek(), !Self.isBareKeyByte(next), next != UInt8(ascii: "\""), next != UInt8(ascii: "'"),
                   next != UInt8(ascii: "]") {
                    namelessHeaders.append(headerLine)
                }
                if let key = scanKey() {
                    table = key
                    found(key, headerLine)
                }
                skipRestOfLine()
            } else if let key = scanKey() {
                let keyLine = line
                found(table + key, keyLine)
                skipSpace(newlines: false)
                if peek() == UInt8(ascii: "=") {
                    advance()
                    skipSpace(newlines: false)
                    scanValue(at: table + key, found)
                }
                skipRestOfLine()
            } else {
                skipRestOfLine()
            }
        }
    }

    /// A key: simple keys (bare, "basic" or 'literal') joined by dots.
    mutating func scanKey() -> [String]? {
        var parts: [String] = []
        while true {
            skipSpace(newlines: false)
            guard let part = scanSimpleKey() else { return nil }
            parts.append(part)
            skipSpace(newlines: false)
            guard peek() == UInt8(ascii: ".") else { return parts }
            advance()
        }
    }

    mutating func scanSimpleKey() -> String? {
        guard let byte = peek() else { return nil }
        if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
            return scanSingleLineString(quote: byte)
        }
        let start = index
        while let b = peek(), Self.isBareKeyByte(b) { advance() }
        guard index > start else { return nil }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    static func isBareKeyByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
            || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
    }

    /// Skips one value; inline tables report their keys under `path`.
    mutating func scanValue(at path: [String], _ found: (_ path: [String], _ line: Int) -> Void) {
        guard let byte = peek() else { return }
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            if peek(1) == byte && peek(2) == byte {
                skipMultiLineString(quote: byte)
            } else {
                _ = scanSingleLineString(quote: byte)
            }
        case UInt8(ascii: "["):
            advance()
            while true {
                skipSpace(newlines: true)
                guard let next = peek() else { return }
                if next == UInt8(ascii: "]") { advance(); return }
                if next == UInt8(ascii: ",") { advance(); continue }
                let before = index
                scanValue(at: path, { _, _ in })
                if index == before { advance() }
            }
        case UInt8(ascii: "{"):
            advance()
            while true {
                skipSpace(newlines: true)
                guard let next = peek() else { return }
                if next == UInt8(ascii: "}") { advance(); return }
                if next == UInt8(ascii: ",") { advance(); continue }
                guard let key = scanKey() else { advance(); continue }
                let keyLine = line
                found(path + key, keyLine)
                skipSpace(newlines: false)
                guard peek() == UInt8(ascii: "=") else { continue }
                advance()
                skipSpace(newlines: false)
                scanValue(at: path + key, found)
            }
        default:
            // Numbers, booleans and dates (which may hold a space) end at a delimiter.
            while let b = peek(), !Self.endsScalar(b) { advance() }
        }
    }

    static func endsScalar(_ b: UInt8) -> Bool {
        b == UInt8(ascii: ",") || b == UInt8(ascii: "]") || b == UInt8(ascii: "}")
            || b == UInt8(ascii: "\n") || b == UInt8(ascii: "#")
    }

    /// A "basic" (escapes) or 'literal' string on one line, unescaped; nil if it is not closed.
    mutating func scanSingleLineString(quote: UInt8) -> String? {
        advance()
        var out: [UInt8] = []
        while let b = peek(), b != UInt8(ascii: "\n") {
            advance()
            if b == quote { return String(decoding: out, as: UTF8.self) }
            if b == UInt8(ascii: "\\") && quote == UInt8(ascii: "\""), let escaped = peek() {
                advance()
                out += unescape(escaped)
            } else {
                out.append(b)
            }
        }
        return nil
    }

    mutating func unescape(_ escaped: UInt8) -> [UInt8] {
        switch escaped {
        case UInt8(ascii: "n"): return [0x0A]
        case UInt8(ascii: "t"): return [0x09]
        case UInt8(ascii: "r"): return [0x0D]
        case UInt8(ascii: "b"): return [0x08]
        case UInt8(ascii: "f"): return [0x0C]
        case UInt8(ascii: "e"): return [0x1B]
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let count = escaped == UInt8(ascii: "u") ? 4 : 8
            var hex = ""
            for _ in 0..<count {
                guard let h = peek(), h != UInt8(ascii: "\n") else { break }
                hex.append(Character(Unicode.Scalar(h)))
                advance()
            }
            guard let value = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(value) else { return [] }
            return Array(String(Character(scalar)).utf8)
        default: return [escaped]
        }
    }

    mutating func skipMultiLineString(quote: UInt8) {
        advance(); advance(); advance()
        while let b = peek() {
            if b == UInt8(ascii: "\\") && quote == UInt8(ascii: "\"") {
                advance()
                if !atEnd { advance() }
                continue
            }
            if b == quote && peek(1) == quote && peek(2) == quote {
                advance(); advance(); advance()
                // Up to two more quotes belong to the content ("""a"""" ends with a quote).
                while peek() == quote { advance() }
                return
            }
            advance()
        }
    }

    mutating func skipSpace(newlines: Bool) {
        while let b = peek() {
            if b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") || b == UInt8(ascii: "\r") {
                advance()
            } else if b == UInt8(ascii: "#") {
                while let c = peek(), c != UInt8(ascii: "\n") { advance() }
            } else if newlines && b == UInt8(ascii: "\n") {
                advance()
            } else {
                return
            }
        }
    }

    mutating func skipRestOfLine() {
        while let b = peek(), b != UInt8(ascii: "\n") { advance() }
        if !atEnd { advance() }
    }
}
