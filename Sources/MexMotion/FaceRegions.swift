/// Where the facial regions lie in a 128x128 face crop (fractions of its side), for the
/// motion score. The crop is the detector's frontal box (brows to chin), so these are
/// fixed fractions rather than landmarks.
public struct FaceRegion: Sendable, Equatable {
    public var name: String
    public var x0: Double, y0: Double, x1: Double, y1: Double

    public init(_ name: String, x0: Double, y0: Double, x1: Double, y1: Double) {
        self.name = name
        self.x0 = x0; self.y0 = y0; self.x1 = x1; self.y1 = y1
    }

    /// Pixel bounds in a side x side crop.
    func pixels(_ side: Int) -> (x0: Int, y0: Int, x1: Int, y1: Int) {
        let s = Double(side)
        return (Int(x0 * s), Int(y0 * s), min(side, Int(x1 * s)), min(side, Int(y1 * s)))
    }

    /// The regions that carry the action units mexd looks for. The eyes (y 0.30-0.48)
    /// are left out on purpose: blinks are fast, large and meaningless here.
    public static let scored: [FaceRegion] = [
        // The brows stop short of the upper lids (from about 0.28 down), which blinks move.
        FaceRegion("left_brow", x0: 0.10, y0: 0.06, x1: 0.46, y1: 0.26),   // AU1, AU2, AU4
        FaceRegion("right_brow", x0: 0.54, y0: 0.06, x1: 0.90, y1: 0.26),
        FaceRegion("nose", x0: 0.33, y0: 0.50, x1: 0.67, y1: 0.70),        // AU9, AU10
        FaceRegion("left_mouth", x0: 0.15, y0: 0.66, x1: 0.45, y1: 0.90),  // AU12, AU6 below the eye
        FaceRegion("right_mouth", x0: 0.55, y0: 0.66, x1: 0.85, y1: 0.90),
        FaceRegion("chin", x0: 0.30, y0: 0.86, x1: 0.70, y1: 1.00),        // AU26
    ]

    /// The eyes, scored only to recognise blinks: a blink moves the eyes far more than
    /// the brows, while a brow raise moves the brows more.
    public static let eyes = FaceRegion("eyes", x0: 0.10, y0: 0.30, x1: 0.90, y1: 0.50)
    /// Indices in `scored` of the brows, compared with the eyes to recognise a blink.
    public static let brows = [0, 1]
    /// Indices in `scored` of the regions next to the eyes, which a blink drags along
    /// (the flow spreads a few pixels beyond the lids): the brows and the nose.
    public static let nearEyes = [0, 1, 2]
}
