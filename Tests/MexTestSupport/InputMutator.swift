import Foundation

/// Seeded damage to the inputs mexd reads from users: video files and mexd.toml. The
/// same seed and index give the same file on every run.
public struct InputMutator: Sendable {
    public let seed: UInt64

    public init(seed: UInt64) {
        self.seed = seed
    }

    /// The kinds of damage a video gets, in turn.
    public static let videoMutations = [
        "bit flips", "truncation", "header damage", "wrong extension", "zero length", "absurd dimensions",
        "chunk swap", "garbage tail",
    ]

    /// The `index`-th damaged copy of one of `sources`, written into `folder`, with what
    /// was done to it.
    public func video(_ index: Int, from sources: [URL], into folder: URL) throws -> (url: URL, mutation: String) {
        var random = SplitMix64(seed: seed &+ UInt64(index) &* 0x9E37_79B9)
        let source = sources[index % sources.count]
        var data = try Data(contentsOf: source)
        let mutation = Self.videoMutations[index % Self.videoMutations.count]
        var ext = source.pathExtension
        func position(_ range: Range<Int>) -> Int { range.lowerBound + Int(random.next() % UInt64(max(1, range.count))) }
        switch mutation {
        case "bit flips":
            for _ in 0..<(1 + Int(random.next() % 64)) where !data.isEmpty {
                data[position(0..<data.count)] ^= UInt8(1 << (random.next() % 8))
            }
        case "truncation":
            data = data.prefix(position(0..<data.count))
        case "header damage":
            for i in 0..<min(data.count, 16 + Int(random.next() % 512)) where random.next() % 3 == 0 {
                data[i] = UInt8(truncatingIfNeeded: random.next())
            }
        case "wrong extension":
            ext = ["mkv", "ts", "avi", "png", "txt", "y4m"][Int(random.next() % 6)]
        case "zero length":
            data = Data()
        case "absurd dimensions":
            data = Self.absurdDimensions(data, variant: Int(random.next() % 4))
            if data.starts(with: Array("YUV4MPEG2".utf8)) { ext = "y4m" } else if data.starts(with: Array("P5".utf8)) { ext = "pgm" }
        case "chunk swap":
            if data.count > 64 {
                let size = 1 + Int(random.next() % UInt64(data.count / 8))
                let a = position(0..<(data.count - size)), b = position(0..<(data.count - size))
                let chunk = data[a..<(a + size)]
                data.replaceSubrange(a..<(a + size), with: data[b..<(b + size)])
                data.replaceSubrange(b..<(b + size), with: chunk)
            }
        default:
            data.append(Data((0..<(1 + Int(random.next() % 100_000))).map { _ in UInt8(truncatingIfNeeded: random.next()) }))
        }
        let url = folder.appendingPathComponent(String(format: "mutant-%04d.%@", index, ext))
        try data.write(to: url)
        return (url, "\(mutation) of \(source.lastPathComponent)")
    }

    /// Frame sizes no camera makes: an MP4's sample entry claiming 65535x65535, or
    /// raw formats whose header says so with almost no pixels after it.
    static func absurdDimensions(_ data: Data, variant: Int) -> Data {
        switch variant {
        case 0:
            var patched = data
            // 'avc1' sample entry: width and height are the 2-byte fields 28 bytes in.
            if let at = patched.range(of: Data("avc1".utf8))?.lowerBound, at + 32 <= patched.count {
                for i in 0..<4 { patched[at + 28 + i] = 0xFF }
            }
            return patched
        case 1: return Data("YUV4MPEG2 W99999 H99999 F30:1 Ip A1:1 C420jpeg\nFRAME\n".utf8) + Data(repeating: 0x80, count: 4096)
        case 2: return Data("YUV4MPEG2 W0 H0 F0:0 C420jpeg\nFRAME\n".utf8) + Data(repeating: 0x80, count: 64)
        default: return Data("P5\n65535 65535\n255\n".utf8) + Data(repeating: 0x80, count: 1024)
        }
    }

    /// The `index`-th damaged copy of a mexd.toml text.
    public func config(_ index: Int, from text: String) -> String {
        var random = SplitMix64(seed: seed ^ (UInt64(index) &* 0xA24B_AED4_963E_E407))
        var lines = text.components(separatedBy: "\n")
        let values = ["inf", "-inf", "nan", "1e308", "-1e308", "9223372036854775807", "-9223372036854775808", "0", "-1",
                      "\"\"", "\"x\"", "[]", "[[1]]", "{}", "{ a = 1 }", "true", "1979-05-27T07:32:00Z", "\"\u{0}\"", "0x7fffffff",
                      "[\"/\", 1]", "\"relative\"", "1_000_000_000_000"]
        func pick<T>(_ items: [T]) -> T { items[Int(random.next() % UInt64(items.count))] }
        for _ in 0..<(1 + Int(random.next() % 6)) {
            let i = Int(random.next() % UInt64(lines.count))
            switch random.next() % 8 {
            case 0, 1, 2:
                // A key's value replaced.
                if let equals = lines[i].firstIndex(of: "="), !lines[i].hasPrefix("#") {
                    lines[i] = String(lines[i][..<equals]) + "= " + pick(values)
                }
            case 3: lines.remove(at: i)
            case 4: lines.insert(lines[i], at: i)
            case 5: lines[i] = String(lines[i].prefix(Int(random.next() % UInt64(lines[i].count + 1))))
            case 6: lines.insert(pick(["[daemon]", "[sources.x]", "[[sources]]", "[limits", "key = ", "= 1", "[sources.\"\"]"]), at: i)
            default:
                var bytes = Array(lines[i].utf8)
                if !bytes.isEmpty { bytes[Int(random.next() % UInt64(bytes.count))] ^= UInt8(1 << (random.next() % 8)) }
                lines[i] = String(decoding: bytes, as: UTF8.self)
            }
        }
        return lines.joined(separator: "\n")
    }
}
