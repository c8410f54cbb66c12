import Foundation

/// What a client may ask (man/mexd-protocol.7, REQUESTS). Requests are JSON objects
/// with a `class`, one per line; gpsd's `?WATCH={...};` spelling is accepted too, so
/// gpsd habits and tools carry over.
public enum ClientRequest: Sendable, Equatable {
    case watch(WatchChange)
    case poll(PollRequest)
    case sources
    case version
    case scan(path: String)

    /// The fields a WATCH sets; the others keep their current values.
    public struct WatchChange: Sendable, Equatable {
        public var enable: Bool?
        public var events: Bool?
        public var frames: Bool?
        /// STATS at most every this many seconds; 0 turns them off.
        public var stats: Double?
        /// Empty: every source.
        public var sources: [String]?

        public init(enable: Bool? = nil, events: Bool? = nil, frames: Bool? = nil, stats: Double? = nil, sources: [String]? = nil) {
            self.enable = enable
            self.events = events
            self.frames = frames
            self.stats = stats
            self.sources = sources
        }
    }

    public struct Failure: Error, Equatable {
        public var message: String
        public init(_ message: String) { self.message = message }
    }

    /// Parses one request line; nil for a blank line.
    public static func parse(_ line: String) -> Result<ClientRequest?, Failure> {
        let text = line.trimmingCharacters(in: .whitespaces)
        if text.isEmpty { return .success(nil) }
        let name: String
        var object: [String: JSONValue]
        if text.hasPrefix("?") {
            // ?CLASS; or ?CLASS={json};
            var body = text.dropFirst()
            if body.hasSuffix(";") { body = body.dropLast() }
            let equals = body.firstIndex(of: "=")
            let word = body[..<(equals ?? body.endIndex)]
            guard !word.isEmpty, word.count <= 16, word.allSatisfy({ $0.isASCII && $0.isLetter }) else {
                return .failure(Failure("a ?-request is ?CLASS; or ?CLASS={...}; with CLASS one of \(RequestClass.list)"))
            }
            name = word.uppercased()
            object = [:]
            if let equals {
                switch decodeObject(String(body[body.index(after: equals)...])) {
                case .success(let o): object = o
                case .failure(let failure): return .failure(failure)
                }
            }
        } else {
            switch decodeObject(text) {
            case .success(let o): object = o
            case .failure(let failure): return .failure(failure)
            }
            guard case .string(let cls)? = object["class"] else { return .failure(Failure("a request needs a \"class\" string")) }
            name = cls.uppercased()
        }
        object["class"] = nil
        do {
            return .success(try request(name, object))
        } catch {
            return .failure(error)
        }
    }

    private static func decodeObject(_ text: String) -> Result<[String: JSONValue], Failure> {
        // Checked before decoding, so that no nesting a client sends reaches the
        // decoder's recursion.
        guard nestingDepth(text) <= RequestLimits.nesting else {
            return .failure(Failure("nested deeper than \(RequestLimits.nesting) levels"))
        }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) else {
            return .failure(Failure("not valid JSON"))
        }
        guard case .object(let object) = value else { return .failure(Failure("a request is a JSON object")) }
        return .success(object)
    }

    /// The deepest nesting of arrays and objects, brackets inside strings left out.
    static func nestingDepth(_ text: String) -> Int {
        var depth = 0, deepest = 0
        var inString = false, escaped = false
        for byte in text.utf8 {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                deepest = max(deepest, depth)
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
        return deepest
    }

    private static func request(_ name: String, _ o: [String: JSONValue]) throws(Failure) -> ClientRequest {
        var fields = Fields(request: name, object: o)
        let request: ClientRequest
        switch RequestClass(rawValue: name) {
        case .watch:
            let sources = try fields.strings("sources")
            let stats: Double?
            switch o["stats"] {
            case .bool(let flag)?: stats = flag ? 10 : 0
            case .number?: stats = try fields.number("stats", in: 0...RequestLimits.statsInterval)
            case nil: stats = nil
            case _?: throw Failure("WATCH: \"stats\" must be true, false or a number of seconds from 0 to \(Int(RequestLimits.statsInterval))")
            }
            fields.used.insert("stats")
            request = .watch(WatchChange(enable: try fields.bool("enable"), events: try fields.bool("events"),
                                         frames: try fields.bool("frames"), stats: stats, sources: sources))
        case .poll:
            let since = try fields.wholeNumber("since", maximum: RequestLimits.seq)
            let count = try fields.wholeNumber("count", maximum: RequestLimits.seq)
            request = .poll(PollRequest(since: since, count: count, sources: try fields.strings("sources")))
        case .sources: request = .sources
        case .version: request = .version
        case .scan:
            guard let path = try fields.string("path"), !path.isEmpty else { throw Failure("SCAN needs \"path\", the file to scan") }
            guard path.utf8.count <= RequestLimits.pathBytes, !path.utf8.contains(0) else {
                throw Failure("SCAN: \"path\" must be at most \(RequestLimits.pathBytes) bytes, without NUL")
            }
            request = .scan(path: path)
        case nil:
            throw Failure("unknown request class \"\(name.prefix(32))\" (\(RequestClass.list))")
        }
        if let unknown = o.keys.filter({ !fields.used.contains($0) }).sorted().first {
            throw Failure("\(name): unknown field \"\(unknown)\"")
        }
        return request
    }

    /// Typed access to a request's fields, remembering which were read.
    private struct Fields {
        let request: String
        let object: [String: JSONValue]
        var used: Set<String> = []

        init(request: String, object: [String: JSONValue]) {
            self.request = request
            self.object = object
        }

        mutating func bool(_ key: String) throws(Failure) -> Bool? {
            used.insert(key)
            guard let value = object[key] else { return nil }
            guard case .bool(let flag) = value else { throw Failure("\(request): \"\(key)\" must be true or false") }
            return flag
        }

        mutating func number(_ key: String, in range: ClosedRange<Double>) throws(Failure) -> Double? {
            used.insert(key)
            guard let value = object[key] else { return nil }
            guard case .number(let number) = value, number.isFinite, range.contains(number) else {
                throw Failure("\(request): \"\(key)\" must be a number from \(Int(range.lowerBound)) to \(Int(range.upperBound))")
            }
            return number
        }

        mutating func wholeNumber(_ key: String, maximum: Int64) throws(Failure) -> Int64? {
            guard let number = try number(key, in: 0...Double(maximum)) else { return nil }
            guard number == number.rounded() else { throw Failure("\(request): \"\(key)\" must be a whole number") }
            return Int64(number)
        }

        mutating func string(_ key: String) throws(Failure) -> String? {
            used.insert(key)
            guard let value = object[key] else { return nil }
            guard case .string(let string) = value else { throw Failure("\(request): \"\(key)\" must be a string") }
            return string
        }

        mutating func strings(_ key: String) throws(Failure) -> [String]? {
            used.insert(key)
            guard let value = object[key] else { return nil }
            guard case .array(let items) = value else { throw Failure("\(request): \"\(key)\" must be an array of strings") }
            guard items.count <= RequestLimits.names else { throw Failure("\(request): \"\(key)\" holds at most \(RequestLimits.names) names") }
            var strings: [String] = []
            for item in items {
                guard case .string(let s) = item else { throw Failure("\(request): \"\(key)\" must be an array of strings") }
                strings.append(s)
            }
            return strings
        }
    }
}

/// The ranges of what a client may send (man/mexd-protocol.7, REQUESTS): every
/// number and size a request carries is checked against these before it is used.
public enum RequestLimits {
    /// Arrays and objects nested deeper than this are refused unread.
    public static let nesting = 8
    /// WATCH `stats`: seconds.
    public static let statsInterval = 86_400.0
    /// POLL `since` and `count`: the largest integer a JSON number holds exactly.
    public static let seq: Int64 = 1 << 53
    /// Source names in a `sources` array.
    public static let names = 256
    /// SCAN `path`: PATH_MAX.
    public static let pathBytes = 4096
}

/// Any JSON value, for reading requests field by field with exact types (a JSON
/// `true` is not the number 1 here).
enum JSONValue: Decodable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let flag = try? container.decode(Bool.self) {
            self = .bool(flag)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let string = try? container.decode(String.self) {
            self = .string(string)
        } else if let array = try? container.decode([JSONValue].self) {
            self = .array(array)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }
}

/// POLL: the last `count` events, or those after `since`, from the journal.
public struct PollRequest: Sendable, Equatable {
    public init(since: Int64? = nil, count: Int64? = nil, sources: [String]? = nil) {
        self.since = since
        self.count = count
        self.sources = sources
    }

    public var since: Int64?
    /// As asked, 0 to 2^53; the server answers at most `ServerLimits.pollMaximum` at a time.
    public var count: Int64?
    public var sources: [String]?
}
