/// A spotted or annotated interval of frames, both ends inclusive (MEGC convention).
public struct Interval: Sendable, Equatable, Hashable {
    public var onset: Int
    public var offset: Int

    public init(onset: Int, offset: Int) {
        self.onset = onset
        self.offset = offset
    }

    public var length: Int { max(0, offset - onset + 1) }

    /// Intersection over union in frames: |A and B| / |A or B|, ends inclusive.
    public func iou(_ other: Interval) -> Double {
        let intersection = max(0, min(offset, other.offset) - max(onset, other.onset) + 1)
        let union = length + other.length - intersection
        return union > 0 ? Double(intersection) / Double(union) : 0
    }
}

/// micro: up to 0.5 s; macro: longer, up to 4 s (mexd's micro_max and macro_max;
/// docs/ARCHITECTURE.md section 7).
public enum ExpressionKind: String, Sendable, CaseIterable {
    case micro
    case macro
}

/// One ground-truth or predicted expression in one video.
public struct SpottedExpression: Sendable, Equatable {
    public var video: String
    public var interval: Interval
    public var apex: Int?
    public var kind: ExpressionKind
    public var label: String?

    public init(video: String, interval: Interval, apex: Int? = nil, kind: ExpressionKind, label: String? = nil) {
        self.video = video
        self.interval = interval
        self.apex = apex
        self.kind = kind
        self.label = label
    }
}
