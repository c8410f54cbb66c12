import Foundation

/// Reads NumPy .npy files (format 1.0/2.0, little-endian, C order), as written by
/// Training/'s fixture exporter.
public struct NumpyArray {
    public let shape: [Int]
    public let dtype: String
    public let data: Data

    public init(contentsOf url: URL) throws {
        let bytes = try Data(contentsOf: url)
        guard bytes.count > 10, bytes.prefix(6) == Data([0x93]) + Data("NUMPY".utf8) else {
            throw CocoaError(.fileReadCorruptFile)
        }
        let major = bytes[bytes.startIndex + 6]
        let headerLength: Int
        let headerStart: Int
        if major == 1 {
            headerLength = Int(bytes[bytes.startIndex + 8]) | Int(bytes[bytes.startIndex + 9]) << 8
            headerStart = 10
        } else {
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[bytes.startIndex + 8 + $1]) << (8 * $1) }
            headerStart = 12
        }
        let header = String(decoding: bytes[(bytes.startIndex + headerStart)..<(bytes.startIndex + headerStart + headerLength)], as: UTF8.self)
        guard !header.contains("'fortran_order': True") else { throw CocoaError(.fileReadCorruptFile) }
        dtype = Self.field("descr", in: header).trimmingCharacters(in: CharacterSet(charactersIn: "' "))
        let shapeText = Self.field("shape", in: header)
        shape = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "() "))
            .split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        data = bytes.suffix(from: bytes.startIndex + headerStart + headerLength)
    }

    private static func field(_ name: String, in header: String) -> String {
        guard let key = header.range(of: "'\(name)':") else { return "" }
        let rest = header[key.upperBound...].trimmingCharacters(in: .whitespaces)
        if rest.hasPrefix("(") { return String(rest[...rest.firstIndex(of: ")")!]) }
        return String(rest.prefix { $0 != "," && $0 != "}" })
    }

    public var floats: [Float] {
        precondition(dtype == "<f4", "not float32: \(dtype)")
        return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    public var doubles: [Double] {
        precondition(dtype == "<f8", "not float64: \(dtype)")
        return data.withUnsafeBytes { raw in
            (0..<(raw.count / 8)).map { raw.loadUnaligned(fromByteOffset: 8 * $0, as: Double.self) }
        }
    }

    public var bytes: [UInt8] {
        precondition(dtype == "|u1", "not uint8: \(dtype)")
        return [UInt8](data)
    }
}

/// Files committed under Tests/Fixtures.
public enum Fixtures {
    public static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    public static func url(_ path: String) -> URL { root.appendingPathComponent(path) }
}
