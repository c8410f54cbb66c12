import Foundation
import MexProtocol
import SwiftCSV

/// A problem with an annotation or prediction file, naming the file and row.
public struct EvaluationFileError: Error, Equatable, CustomStringConvertible {
    public let file: String
    public let row: Int?
    public let message: String

    public var description: String {
        row.map { "\(file): row \($0): \(message)" } ?? "\(file): \(message)"
    }
}

/// Reads ground truth and predictions for `mexd eval`.
///
/// Annotations are CSV with a header: `video,onset,apex,offset,type,au,label`
/// (frames 0-based and inclusive; type micro|macro; au and label may be empty).
/// Predictions are either `mexd scan` output (JSON Lines; EVENT records are used, the
/// rest ignored) or a CSV in the annotation format. Videos are matched on their file
/// name, so `videos/s01.mp4` in a scan and `s01.mp4` in the CSV are the same video.
public enum EvaluationFiles {
    public static func videoKey(_ path: String) -> String {
        (path as NSString).lastPathComponent
    }

    public static func readAnnotations(_ path: String) throws(EvaluationFileError) -> [SpottedExpression] {
        let csv: CSV<Named>
        do {
            csv = try CSV<Named>(url: URL(fileURLWithPath: path), delimiter: .comma)
        } catch {
            let message = FileManager.default.fileExists(atPath: path) ? "not readable CSV (\(error))" : "no such file"
            throw EvaluationFileError(file: path, row: nil, message: message)
        }
        for column in ["video", "onset", "offset", "type"] where !csv.header.contains(column) {
            throw EvaluationFileError(file: path, row: 1, message: "missing column '\(column)' (expected video,onset,apex,offset,type,au,label)")
        }
        var result: [SpottedExpression] = []
        for (i, row) in csv.rows.enumerated() {
            let line = i + 2
            func int(_ key: String) throws(EvaluationFileError) -> Int? {
                guard let text = row[key]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
                guard let n = Int(text), n >= 0 else { throw EvaluationFileError(file: path, row: line, message: "\(key) '\(text)' is not a frame number") }
                return n
            }
            guard let video = row["video"], !video.isEmpty else { throw EvaluationFileError(file: path, row: line, message: "empty video") }
            guard let onset = try int("onset"), let offset = try int("offset") else {
                throw EvaluationFileError(file: path, row: line, message: "onset and offset are required")
            }
            guard onset <= offset else { throw EvaluationFileError(file: path, row: line, message: "onset \(onset) after offset \(offset)") }
            let typeText = row["type"]?.lowercased() ?? ""
            guard let kind = ExpressionKind(rawValue: typeText) else {
                throw EvaluationFileError(file: path, row: line, message: "type '\(typeText)' is neither micro nor macro")
            }
            let label = row["label"].flatMap { $0.isEmpty ? nil : $0 }
            result.append(SpottedExpression(video: videoKey(video), interval: Interval(onset: onset, offset: offset),
                                            apex: try int("apex"), kind: kind, label: label))
        }
        return result
    }

    public static func readPredictions(_ path: String) throws(EvaluationFileError) -> [SpottedExpression] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EvaluationFileError(file: path, row: nil, message: "no such file")
        }
        let text = String(decoding: data, as: UTF8.self)
        guard text.drop(while: { $0.isWhitespace }).first == "{" else { return try readAnnotations(path) }
        var result: [SpottedExpression] = []
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw EvaluationFileError(file: path, row: i + 1, message: "not a JSON object")
            }
            guard RecordClass.of(object) == .event else { continue }
            guard let source = object["source"] as? String,
                  let onset = (object["onset"] as? [String: Any])?["frame"] as? Int,
                  let offset = (object["offset"] as? [String: Any])?["frame"] as? Int else {
                throw EvaluationFileError(file: path, row: i + 1, message: "EVENT without source, onset.frame and offset.frame")
            }
            let kind = (object["kind"] as? String).flatMap(ExpressionKind.init(rawValue:)) ?? .micro
            let apex = (object["apex"] as? [String: Any])?["frame"] as? Int
            result.append(SpottedExpression(video: videoKey(source), interval: Interval(onset: onset, offset: offset),
                                            apex: apex, kind: kind, label: object["label"] as? String))
        }
        return result
    }
}
