import Foundation
import MexCore

extension ReportEvent {
    /// An EVENT record (one JSON line, as journaled and published), with its pictures
    /// read from the snapshot files it names (`snapshots`), if they can be read.
    /// Nil if the line is not an EVENT record.
    public init?(record line: String, series: MotionSeries? = nil) {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any],
              object["class"] as? String == "EVENT" else { return nil }
        let key = { (name: String) -> KeyFrame in
            let o = object[name] as? [String: Any]
            return KeyFrame(frame: (o?["frame"] as? NSNumber)?.intValue ?? 0, time: (o?["pts"] as? NSNumber)?.doubleValue ?? 0)
        }
        let spot = object["spot"] as? [String: Any]
        let quality = object["quality"] as? [String: Any]
        let scores = ((object["scores"] as? [String: Any]) ?? [:])
            .compactMap { k, v in (v as? NSNumber).map { (label: k, probability: $0.doubleValue) } }
            .sorted { $0.label < $1.label }
        self.init(number: (object["seq"] as? NSNumber)?.intValue ?? 0, source: object["source"] as? String ?? "",
                  track: (object["track_id"] as? NSNumber)?.intValue ?? 0, kind: object["kind"] as? String ?? "event",
                  onset: key("onset"), apex: key("apex"), offset: key("offset"), label: object["label"] as? String,
                  scores: scores, peakScore: (spot?["score"] as? NSNumber)?.doubleValue ?? 0,
                  threshold: (spot?["threshold"] as? NSNumber)?.doubleValue ?? 0,
                  headMotion: quality?["head_motion"] as? Bool ?? false, speech: quality?["speech"] as? Bool ?? false,
                  endReason: object["end_reason"] as? String)
        seq = (object["seq"] as? NSNumber)?.int64Value
        self.series = series
        if let snapshots = object["snapshots"] as? [String: String] {
            for (role, picture) in Pictures.roles { pictures[keyPath: picture] = snapshots[role].flatMap(Picture.init(file:)) }
            let named = snapshots.count, read = Pictures.roles.compactMap { pictures[keyPath: $0.picture] }.count
            if read < named { missingPictures = named - read }
        }
    }
}
