/// Where the motion score looks in a 128x128 face crop (the detector's frontal box, from
/// the brows to the chin). Positions are fractions of the crop's side.
///
/// The whole face is scored as a grid of cells, so that an action unit counts wherever
/// it is (brows, glabella, nose, cheeks, lip corners, lips, chin), not only where a
/// fixed list of regions expects it. The eyes are the exception: blinks and gaze shifts
/// move them more than any expression does, so the windows centred on them form a
/// group of their own, which only recognises blinks.
public enum FaceGrid {
    /// Cells per side: 8 x 8 cells of 16 px in the 128 px crop.
    public static let columns = 8
    public static let rows = 8
    public static let cellCount = columns * rows

    /// The cell of crop fraction (x, y), row by row.
    public static func cell(x: Double, y: Double) -> Int {
        let c = min(columns - 1, max(0, Int(x * Double(columns))))
        let r = min(rows - 1, max(0, Int(y * Double(rows))))
        return r * columns + c
    }

    public static func name(ofCell i: Int) -> String { "r\(i / columns)c\(i % columns)" }

    /// The eyes: two ellipses around the eye centres of a frontal Haar box.
    static let eyeCentres = [(0.31, 0.40), (0.69, 0.40)]
    static let eyeRadii = (0.13, 0.075)

    /// Whether crop fraction (x, y) lies on an eye.
    public static func isEye(x: Double, y: Double) -> Bool {
        for (ex, ey) in eyeCentres {
            let dx = (x - ex) / eyeRadii.0, dy = (y - ey) / eyeRadii.1
            if dx * dx + dy * dy <= 1 { return true }
        }
        return false
    }

    /// Cells whose motion a blink drags along (the flow spreads several pixels beyond
    /// the lids): the rows from the brows to the nose, 0 to 80 of the 128 px.
    public static let nearEyes: [Int] = Array(0..<(5 * columns))
    /// The brows, compared with the eyes to recognise a blink.
    public static let brows = (x0: 0.10, y0: 0.06, x1: 0.90, y1: 0.26)
    /// The cheeks under the eyes, compared with the eyes to tell a lid closing from a
    /// cheek raise's release, which moves the lower lids down with the cheeks.
    public static let cheeks = (x0: 0.10, y0: 0.50, x1: 0.90, y1: 0.64)
    /// The lower face (from the nostrils down: lips, lip corners, chin), which speech
    /// moves.
    public static let lowerFace: [Int] = Array((5 * columns)..<cellCount)
    /// The cells along the crop's edges (the first and last columns, the top row):
    /// the face's outline, hair and background, which move against the face when the
    /// head sways.
    public static let border: [Int] = (0..<cellCount).filter { $0 % columns == 0 || $0 % columns == columns - 1 || $0 < columns }
}
