/// An expression's boundaries read from its displacement profile: how far the face is,
/// frame by frame, from a reference face taken shortly before the motion began.
///
/// The raw speed score crosses its noise level only once the motion is well under way
/// (the score at t sums the motion from t - gap to t, and a smooth onset starts slowly),
/// so onsets found from it come out late by a few frames, which costs a 0.2 s
/// micro-expression its IoU. The displacement from a still reference rises from its
/// floor exactly where the face starts to move, whatever the speed, so here:
/// - the apex is the frame furthest from the reference;
/// - the onset is the last frame before the apex still within `fraction` of the way
///   from the floor (the closest any frame before the apex came) to the apex;
/// - the offset is the first frame after the apex back within that fraction of the way
///   from the apex to the closest any frame after it came: a face that drifted while
///   the expression lasted does not come back to the reference exactly.
/// Used by the causal spotter and, on the same terms, by `OfflineSpotter`.
public struct DisplacementProfile: Sendable {
    public private(set) var frames: [Int] = []
    public private(set) var values: [Double] = []

    public init() {}

    public mutating func append(frame: Int, displacement: Double) {
        frames.append(frame)
        values.append(displacement)
    }

    public var isEmpty: Bool { values.isEmpty }

    /// The profile up to, not including, `frame`.
    public func truncated(before frame: Int) -> DisplacementProfile {
        var copy = DisplacementProfile()
        for i in frames.indices where frames[i] < frame { copy.append(frame: frames[i], displacement: values[i]) }
        return copy
    }

    /// The largest displacement and its frame (the first of equals).
    public var peak: (frame: Int, value: Double)? {
        guard var best = values.indices.first else { return nil }
        for i in values.indices where values[i] > values[best] { best = i }
        return (frames[best], values[best])
    }

    /// The displacement of `frame`, if given.
    public func value(at frame: Int) -> Double? {
        guard let first = frames.first, frame >= first, frame - first < frames.count, frames[frame - first] == frame else {
            return frames.firstIndex(of: frame).map { values[$0] }
        }
        return values[frame - first]
    }

    /// The closest any frame before the apex came to the reference (0 with none).
    public var floorBeforePeak: Double {
        guard let top = values.indices.max(by: { values[$0] < values[$1] }), top > 0 else { return 0 }
        return values[..<top].min()!
    }

    /// Whether displacement `d` is back within `fraction` of the way from the floor to
    /// the peak: the face has come back, if not all the way (it may have drifted).
    public func hasReturned(_ d: Double, fraction: Double) -> Bool {
        let floor = floorBeforePeak
        return d <= floor + fraction * ((peak?.value ?? 0) - floor)
    }

    /// Onset, apex and (if the face came back within the level) offset. `reference`
    /// is the still frame the displacements are measured from: the onset when no
    /// frame before the apex is still.
    public func boundaries(reference: Int, fraction: Double) -> (onset: Int, apex: Int, offset: Int?)? {
        guard let top = values.indices.max(by: { values[$0] < values[$1] }) else { return nil }
        let peakValue = values[top]
        // The reference itself is at distance 0; the frames next to it show the noise.
        let floor = top > 0 ? values[..<top].min()! : 0
        let level = floor + fraction * (peakValue - floor)
        var onset = reference
        for i in stride(from: top - 1, through: 0, by: -1) where values[i] <= level {
            onset = frames[i]
            break
        }
        let after = values[(top + 1)...]
        let offset = after.min().flatMap { floorAfter in
            after.indices.first { values[$0] <= floorAfter + fraction * (peakValue - floorAfter) }.map { frames[$0] }
        }
        return (onset, frames[top], offset)
    }
}
