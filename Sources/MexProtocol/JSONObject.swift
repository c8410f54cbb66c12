import Foundation

/// A JSON object whose keys keep the order they were added in, rendered as one line.
///
/// Foundation's JSONEncoder orders keys by hash (or alphabetically), but a gpsd-style
/// stream reads best with `class` first and the same field order in every record, and
/// golden-file tests need a stable order. Absent values are left out, never `null`
/// (docs/ARCHITECTURE.md section 8.1).
public struct JSONObject: Sendable, Equatable {
    public indirect enum Value: Sendable, Equatable {
        case string(String)
        case int(Int)
        case double(Double, decimals: Int)
        case bool(Bool)
        case object(JSONObject)
        case array([Value])
    }

    public private(set) var fields: [(key: String, value: Value)] = []

    /// A record: `class` first.
    public init(class name: RecordClass) {
        fields.append((key: "class", value: .string(name.rawValue)))
    }

    /// A request, as a client sends it.
    init(request name: RequestClass) {
        fields.append((key: "class", value: .string(name.rawValue)))
    }

    public init() {}

    /// The record's class, when the object has a known one.
    public var recordClass: RecordClass? {
        guard let field = fields.first(where: { $0.key == "class" }), case .string(let name) = field.value else { return nil }
        return RecordClass(rawValue: name)
    }

    public static func == (a: JSONObject, b: JSONObject) -> Bool {
        a.fields.count == b.fields.count && zip(a.fields, b.fields).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    public mutating func set(_ key: String, _ value: Value?) {
        guard let value else { return }
        if let index = fields.firstIndex(where: { $0.key == key }) {
            fields[index].value = value
        } else {
            fields.append((key: key, value: value))
        }
    }

    public mutating func remove(_ key: String) {
        fields.removeAll { $0.key == key }
    }

    public mutating func set(_ key: String, _ value: String?) { set(key, value.map(Value.string)) }
    public mutating func set(_ key: String, _ value: Int?) { set(key, value.map(Value.int)) }
    public mutating func set(_ key: String, _ value: Bool?) { set(key, value.map(Value.bool)) }
    public mutating func set(_ key: String, _ value: JSONObject?) { set(key, value.map(Value.object)) }
    /// Doubles are written with at most `decimals` digits after the point, trailing
    /// zeros removed; non-finite values are left out (JSON has no NaN).
    public mutating func set(_ key: String, _ value: Double?, decimals: Int = 6) {
        guard let value, value.isFinite else { return }
        set(key, .double(value, decimals: decimals))
    }

    /// The object as one line of JSON, without the trailing newline.
    public var line: String {
        var out = ""
        out.reserveCapacity(16 * fields.count + 16)
        Self.write(self, to: &out)
        return out
    }

    private static func write(_ object: JSONObject, to out: inout String) {
        out.append("{")
        for (i, field) in object.fields.enumerated() {
            if i > 0 { out.append(",") }
            writeString(field.key, to: &out)
            out.append(":")
            write(field.value, to: &out)
        }
        out.append("}")
    }

    private static func write(_ value: Value, to out: inout String) {
        switch value {
        case .string(let s): writeString(s, to: &out)
        case .int(let n): out.append(String(n))
        case .bool(let b): out.append(b ? "true" : "false")
        case .double(let d, let decimals): out.append(formatNumber(d, decimals: decimals))
        case .object(let o): write(o, to: &out)
        case .array(let items):
            out.append("[")
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(",") }
                write(item, to: &out)
            }
            out.append("]")
        }
    }

    public static func formatNumber(_ value: Double, decimals: Int) -> String {
        var text = String(format: "%.\(decimals)f", value)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text == "-0" ? "0" : text
    }

    private static func writeString(_ s: String, to out: inout String) {
        out.append("\"")
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out.append("\\\"")
            case "\\": out.append("\\\\")
            case "\n": out.append("\\n")
            case "\r": out.append("\\r")
            case "\t": out.append("\\t")
            case _ where scalar.value < 0x20:
                out.append(String(format: "\\u%04x", scalar.value))
            default: out.unicodeScalars.append(scalar)
            }
        }
        out.append("\"")
    }
}
