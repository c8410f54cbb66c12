import MexCore

/// Keeps one face's recent scores and, for each event it is given, gathers the
/// series from `before` seconds ahead of its onset to `after` seconds past its offset.
/// The tail is only seen after the event was published, so series complete later,
/// frames after, and are collected with `takeCompleted`.
struct EventSeriesRecorder {
    struct Sample {
        var pts: Double
        var score: Double?
        var threshold: Double
    }

    private struct Pending {
        var key: EventKey
        var until: Double
        var samples: [Sample]
    }

    let before: Double
    let after: Double
    /// Seconds per sample of a completed series: at most 50 samples a second.
    let step: Double
    private var recent: [Sample] = []
    private var pending: [Pending] = []
    private var completed: [(EventKey, MotionSeries)] = []

    init(fps: Double, before: Double = 2, after: Double = 1) {
        self.before = before
        self.after = after
        step = max(1 / fps, 0.02)
    }

    /// Notes the face's sample of a frame; series whose end it reaches complete.
    mutating func note(_ sample: Sample, horizon: Double) {
        recent.append(sample)
        // Drop what lies beyond the horizon in halves, so that trimming is amortised.
        if let first = recent.first, sample.pts - first.pts > 2 * horizon {
            recent.removeFirst(recent.firstIndex { sample.pts - $0.pts <= horizon } ?? 0)
        }
        for i in pending.indices { pending[i].samples.append(sample) }
        while let i = pending.firstIndex(where: { sample.pts >= $0.until }) {
            complete(pending.remove(at: i))
        }
    }

    /// Starts the series of an event that closed with the latest sample.
    mutating func begin(_ key: EventKey, onset: Double, offset: Double) {
        let from = onset - before
        pending.append(Pending(key: key, until: offset + after, samples: recent.filter { $0.pts >= from }))
    }

    /// Completes every series under way with what it has (the face was lost, the
    /// source ended).
    mutating func finishAll() {
        for p in pending { complete(p) }
        pending.removeAll()
    }

    mutating func takeCompleted() -> [(EventKey, MotionSeries)] {
        defer { completed.removeAll() }
        return completed
    }

    private mutating func complete(_ p: Pending) {
        guard let first = p.samples.first else { return }
        completed.append((p.key, Self.downsample(p.samples, start: first.pts, step: step)))
    }

    /// One value per `step`: the largest score in it and the last threshold.
    static func downsample(_ samples: [Sample], start: Double, step: Double) -> MotionSeries {
        guard let last = samples.last else { return MotionSeries(start: start, step: step, score: [], threshold: []) }
        let count = Int(((last.pts - start) / step + 1e-9).rounded(.down)) + 1
        var score = [Double?](repeating: nil, count: count)
        var threshold = [Double?](repeating: nil, count: count)
        for s in samples {
            let i = min(count - 1, max(0, Int(((s.pts - start) / step + 1e-9).rounded(.down))))
            if let v = s.score { score[i] = max(score[i] ?? v, v) }
            if s.score != nil { threshold[i] = s.threshold }
        }
        return MotionSeries(start: start, step: step, score: score, threshold: threshold)
    }
}

/// Names an event across the pipeline and its publisher: its track and onset frame
/// (frame indices only grow, so no two events of a source share both).
public struct EventKey: Hashable, Sendable {
    public var track: Int
    public var onset: Int

    public init(track: Int, onset: Int) {
        self.track = track
        self.onset = onset
    }
}
