import Foundation
import MexTestSupport
import Testing

/// The server records as man/mexd-protocol.7 documents them (section SERVER RECORDS):
/// each class's top-level fields with their types and whether they may be left out.
/// Every record the tests read from `mexd scan`, `mexd events` and the daemon's socket
/// is checked against it, so the manual and the daemon cannot drift apart.
struct ProtocolSchema {
    struct Field: Equatable {
        var type: String
        var optional: Bool
    }

    private(set) var classes: [String: [String: Field]] = [:]

    static let shared: ProtocolSchema = {
        let page = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("man/mexd-protocol.7")
        return ProtocolSchema(manPage: (try? String(contentsOf: page, encoding: .utf8)) ?? "")
    }()

    init(manPage: String) {
        var current: String?
        var inSection = false, nested = false, afterTP = false
        for line in manPage.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix(".SH ") {
                inSection = line == ".SH SERVER RECORDS"
                current = nil
                continue
            }
            guard inSection else { continue }
            if line.hasPrefix(".SS ") {
                current = String(line.dropFirst(4)).trimmingCharacters(in: .whitespaces)
                classes[current!] = [:]
            } else if line == ".RS" {
                nested = true
            } else if line == ".RE" {
                nested = false
            } else if line == ".TP" {
                afterTP = true
                continue
            } else if afterTP, !nested, let name = current, let fields = Self.fields(line) {
                for (field, spec) in fields { classes[name]?[field] = spec }
            }
            afterTP = false
        }
    }

    /// `.BR a ", " b " (integer, optional)"` gives a and b, integers, optional.
    static func fields(_ line: String) -> [(String, Field)]? {
        guard line.hasPrefix(".BR ") || line.hasPrefix(".B ") else { return nil }
        let text = line.drop { $0 != " " }.replacingOccurrences(of: "\"", with: "")
        guard let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")") else { return nil }
        let names = text[..<open].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let spec = text[text.index(after: open)..<close].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let type = spec.first, !names.isEmpty else { return nil }
        // "optional", or a condition such as "reconnecting only".
        let field = Field(type: type, optional: spec.count > 1)
        return names.map { ($0, field) }
    }

    /// What is wrong with `record`, if anything.
    func problems(_ record: [String: Any]) -> [String] {
        guard let name = record["class"] as? String else { return ["no class: \(record)"] }
        guard let fields = classes[name] else { return ["\(name): a class mexd-protocol(7) does not document"] }
        var problems: [String] = []
        for (key, value) in record where key != "class" {
            guard let field = fields[key] else {
                problems.append("\(name).\(key): not documented")
                continue
            }
            if !Self.matches(value, field.type) { problems.append("\(name).\(key): \(value) is not \(field.type)") }
        }
        for (key, field) in fields where !field.optional && record[key] == nil {
            problems.append("\(name).\(key): documented as always present, missing")
        }
        return problems
    }

    static func matches(_ value: Any, _ type: String) -> Bool {
        let number = value as? NSNumber
        let isBool = number.map { String(cString: $0.objCType) == "c" } ?? false
        switch type {
        case "string": return value is String
        case "boolean": return isBool
        case "integer": return number != nil && !isBool && number!.doubleValue == number!.doubleValue.rounded()
        case "number": return number != nil && !isBool
        case "object": return value is [String: Any]
        default: return type.hasPrefix("array") ? value is [Any] : false
        }
    }

    /// Records every problem of `record` as a test issue.
    static func check(_ record: [String: Any], from origin: String) {
        for problem in shared.problems(record) {
            Issue.record("\(origin): \(problem)")
        }
    }
}

@Suite struct ProtocolSchemaTests {
    @Test func theManualDocumentsEveryRecordClass() {
        let schema = ProtocolSchema.shared
        let documented = Set(schema.classes.keys)
        #expect(documented == ["VERSION", "WATCH", "SOURCES", "SOURCE", "EVENT", "FRAME", "STATS", "DROPPED", "ERROR", "EOF",
                               "POLL", "SCAN", "SHUTDOWN"], "\(documented.sorted())")
        #expect(schema.classes["SOURCE"]?["retry_in_s"] == .init(type: "number", optional: true))
        #expect(schema.classes["EOF"]?["dropped_frames"] == .init(type: "integer", optional: false))
        #expect(schema.classes["SOURCE"]?["online"] == nil, "state values are not fields")
    }

    @Test func recordsAreJudgedByTheirTypes() {
        let schema = ProtocolSchema.shared
        #expect(schema.problems(["class": "ERROR", "message": "x"]).isEmpty)
        #expect(schema.problems(["class": "ERROR", "message": 1]).count == 1)
        #expect(schema.problems(["class": "ERROR", "message": "x", "extra": true]) == ["ERROR.extra: not documented"])
        #expect(schema.problems(["class": "ERROR"]) == ["ERROR.message: documented as always present, missing"])
        #expect(schema.problems(["class": "NOPE"]).count == 1)
        let parsed = try? JSONSerialization.jsonObject(with: Data(#"{"class":"POLL","count":2,"since":1,"more":true}"#.utf8)) as? [String: Any]
        #expect(schema.problems(parsed ?? [:]).isEmpty)
        let wrong = try? JSONSerialization.jsonObject(with: Data(#"{"class":"POLL","count":true,"more":1}"#.utf8)) as? [String: Any]
        #expect(schema.problems(wrong ?? [:]).count == 2)
    }
}
