import Foundation
import MexProtocol

/// The one-line human form of a record, for `mexd watch --human` and `mexd events --human`.
enum EventLine {
    static func human(_ line: String) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let name = RecordClass.of(object) else { return nil }
        let source = object["source"] as? String ?? "-"
        let time = object["time"] as? String ?? ""
        switch name {
        case .event:
            let seq = (object["seq"] as? NSNumber).map { "#\($0)" } ?? "#?"
            let kind = object["kind"] as? String ?? "?"
            let label = object["label"] as? String ?? "unclassified"
            let scores = object["scores"] as? [String: Any]
            let confidence = (scores?[label] as? NSNumber).map { String(format: " %.2f", $0.doubleValue) } ?? ""
            func pts(_ key: String) -> String {
                guard let k = object[key] as? [String: Any], let p = k["pts"] as? NSNumber else { return "?" }
                return String(format: "%.3f", p.doubleValue)
            }
            let end = (object["end_reason"] as? String).map { " [\($0)]" } ?? ""
            return "\(time) \(source) \(seq) \(kind) \(label)\(confidence) onset \(pts("onset")) apex \(pts("apex")) offset \(pts("offset"))\(end)"
        case .source:
            let state = object["state"] as? String ?? "?"
            let reason = (object["reason"] as? String).map { ": \($0)" } ?? ""
            return "\(time) \(source) \(state)\(reason)"
        case .eof:
            let frames = (object["frames"] as? NSNumber)?.intValue ?? 0
            let events = (object["events"] as? NSNumber)?.intValue ?? 0
            return "\(time) \(source) end of file: \(frames) frames, \(events) events"
        case .error:
            return "error: \(object["message"] as? String ?? line)"
        case .dropped, .shutdown:
            return "\(name.rawValue.lowercased()): \(line)"
        default:
            return nil
        }
    }
}
