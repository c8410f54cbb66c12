import Foundation

/// Request lines for fuzzing mexd's protocol server (man/mexd-protocol.7): valid
/// requests of every class in both spellings, and mutations of them: byte flips,
/// truncation, repetition, deep nesting, huge and non-finite numbers in every numeric
/// field, NUL, invalid UTF-8, every `?CLASS=...;` shape, and lines over the limit.
/// Lines carry no newline; the driver adds it.
public struct ProtocolFuzzer: Sendable {
    private var random: SplitMix64
    /// The server's request line limit, so that some lines pass it.
    public let lineLimit: Int
    /// Paths SCAN requests name (a fuzzer never needs a real file: the server refuses
    /// or queues it).
    public var scanPaths: [String]

    public init(seed: UInt64, lineLimit: Int = 65_536, scanPaths: [String] = ["/nonexistent.mp4"]) {
        random = SplitMix64(seed: seed)
        self.lineLimit = lineLimit
        self.scanPaths = scanPaths
    }

    /// Numbers placed in numeric fields: edges of every range the protocol states, and
    /// values no range holds.
    static let numbers = [
        "0", "-0", "1", "-1", "0.5", "10", "86400", "86400.0001", "1e10", "1e308", "-1e308", "1e999", "-1e999",
        "9007199254740992", "9007199254740993", "18446744073709551616", "1e-320", "NaN", "Infinity", "-Infinity",
        "0x10", "01", "1.", ".5", "1e", "true", "null", "\"5\"", "[]", "{}",
    ]

    static let shapes = [
        "?", "?;", "?=", "?=;", "??", "?;;", "?WATCH", "?WATCH=", "?WATCH=;", "?WATCH={", "?WATCH={};", "?watch={\"enable\":true};",
        "?POLL;", "?POLL={\"since\":0};", "?VERSION;", "?SOURCES;", "?SCAN={\"path\":\"/x\"};", "?W=A=B;", "?=WATCH;",
        "?WATCH=[];", "?WATCH=1;", "?\u{0};", "?WATCH={\"class\":\"POLL\"};", "?ÜBER;", "?" + String(repeating: "W", count: 40) + ";",
    ]

    private mutating func pick<T>(_ items: [T]) -> T { items[Int(random.next() % UInt64(items.count))] }
    private mutating func chance(_ percent: UInt64) -> Bool { random.next() % 100 < percent }
    private mutating func number(below n: Int) -> Int { Int(random.next() % UInt64(max(1, n))) }

    private mutating func sourcesField() -> String {
        switch number(below: 5) {
        case 0: return "[]"
        case 1: return "[\"clip\"]"
        case 2: return "[\"clip\",\"quick\",\"nope\"]"
        case 3: return "[" + Array(repeating: "\"s\"", count: 300).joined(separator: ",") + "]"
        default: return pick(["\"clip\"", "[1]", "null", "[[\"clip\"]]"])
        }
    }

    /// One well-formed request (valid or out of range in one field).
    public mutating func request() -> String {
        let n = pick(Self.numbers)
        let body: String
        switch number(below: 7) {
        case 0: body = "\"class\":\"WATCH\",\"enable\":\(pick(["true", "false"])),\"stats\":\(n)"
        case 1: body = "\"class\":\"WATCH\",\"enable\":true,\"frames\":\(pick(["true", "false"])),\"sources\":\(sourcesField())"
        case 2: body = "\"class\":\"POLL\",\"since\":\(n)"
        case 3: body = "\"class\":\"POLL\",\"count\":\(n),\"sources\":\(sourcesField())"
        case 4: body = "\"class\":\"\(pick(["VERSION", "SOURCES", "version", "Sources", "NOPE", ""]))\""
        case 5: body = "\"class\":\"SCAN\",\"path\":\"\(pick(scanPaths))\""
        default: body = "\"class\":\"WATCH\",\"stats\":\(pick(["true", "false", n]))"
        }
        if chance(30) {
            // The gpsd spelling of the same request.
            let parts = body.split(separator: ",", maxSplits: 1)
            let name = parts[0].dropFirst(9).dropLast()
            return "?\(name)" + (parts.count > 1 ? "={\(parts[1])};" : ";")
        }
        return "{\(body)}"
    }

    /// The next line: a request, or one of its mutations.
    public mutating func line() -> [UInt8] {
        var bytes = Array(request().utf8)
        switch number(below: 12) {
        case 0, 1, 2:
            break  // as made
        case 3:
            for _ in 0...number(below: 4) where !bytes.isEmpty {
                bytes[number(below: bytes.count)] ^= UInt8(1 << number(below: 8))
            }
        case 4:
            bytes = Array(bytes.prefix(number(below: bytes.count + 1)))
        case 5:
            bytes = Array([[UInt8]](repeating: bytes, count: 2 + number(below: 30)).joined())
        case 6:
            let depth = pick([9, 64, 1000, 20_000])
            let open = chance(50) ? "[" : "{\"a\":"
            let close = open == "[" ? "]" : "}"
            bytes = Array(("{\"class\":\"WATCH\",\"sources\":" + String(repeating: open, count: depth) + "1"
                           + String(repeating: close, count: depth) + "}").utf8)
        case 7:
            bytes.insert(0, at: number(below: bytes.count + 1))
        case 8:
            let invalid: [[UInt8]] = [[0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xE2, 0x82]]
            bytes.insert(contentsOf: pick(invalid), at: number(below: bytes.count + 1))
        case 9:
            bytes = Array(pick(Self.shapes).utf8)
        case 10:
            // Over the limit, or just under it.
            let size = lineLimit + pick([-1, 0, 1, 4096])
            bytes = Array(repeating: UInt8(ascii: pick(["x", "{", "["])), count: max(0, size))
        default:
            bytes = Array("{\"class\":\"WATCH\",\"\(pick(["enable", "stats", "frames", "sources", "x"]))\":\(pick(Self.numbers))}".utf8)
        }
        // A newline inside would just make two lines; keep each line one request.
        return bytes.map { $0 == UInt8(ascii: "\n") ? UInt8(ascii: " ") : $0 }
    }
}
