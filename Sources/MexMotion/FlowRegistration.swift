/// The head's rigid motion between two face crops, as an affine map of crop
/// coordinates fitted to their optical flow: the flow at (x, y), measured from the
/// crop's centre, is (tx + a x + b y, ty + c x + d y). A similarity (translation,
/// roll, zoom) has a = d and c = -b; the general affine adds the horizontal and
/// vertical compression of a head turning or nodding a little.
public struct HeadMotion: Sendable, Equatable {
    public var tx = 0.0, ty = 0.0
    public var a = 0.0, b = 0.0, c = 0.0, d = 0.0

    public init(tx: Double = 0, ty: Double = 0, a: Double = 0, b: Double = 0, c: Double = 0, d: Double = 0) {
        self.tx = tx; self.ty = ty; self.a = a; self.b = b; self.c = c; self.d = d
    }

    /// The head's flow at `(x, y)` from the crop's centre.
    @inline(__always)
    public func flow(x: Double, y: Double) -> (u: Double, v: Double) {
        (tx + a * x + b * y, ty + c * x + d * y)
    }

    /// Roll in degrees (positive turns the image clockwise on screen, y down).
    public var rollDegrees: Double { (c - b) / 2 * 180 / .pi }
    /// Relative change of size (0.01: the face grew 1 %).
    public var zoom: Double { (a + d) / 2 }

    /// Both motions, one after the other (to first order: they are small).
    public func adding(_ other: HeadMotion) -> HeadMotion {
        HeadMotion(tx: tx + other.tx, ty: ty + other.ty, a: a + other.a, b: b + other.b, c: c + other.c, d: d + other.d)
    }

    /// The map that brings the earlier of two `side`-pixel crops onto the later one (to
    /// first order), as `GrayImage.warped` takes it: output pixel index (x, y) reads the
    /// earlier crop at (x, y) minus the head's flow there.
    public func alignment(side: Int) -> [Double] {
        let o = 0.5 - Double(side) / 2   // pixel index to centred coordinate
        return [1 - a, -b, -(tx + a * o + b * o),
                -c, 1 - d, -(ty + c * o + d * o)]
    }

    /// The reverse of `alignment`: the map that brings the later crop back onto the
    /// earlier one (to first order): output pixel index (x, y) reads the later crop at
    /// (x, y) plus the head's flow there. `KeyFrameRegistration` warps an event's apex and
    /// offset onto its onset with it.
    public func backAlignment(side: Int) -> [Double] {
        let o = 0.5 - Double(side) / 2   // pixel index to centred coordinate
        return [1 + a, b, tx + a * o + b * o,
                c, 1 + d, ty + c * o + d * o]
    }

    /// The largest head motion over a crop `side` pixels square: at the centre (the
    /// translation) or at a corner, where roll and zoom add to it.
    public func largestMotion(side: Int) -> Double {
        let h = Double(side) / 2
        var best = 0.0
        for (x, y) in [(0.0, 0.0), (-h, -h), (h, -h), (-h, h), (h, h)] {
            let (u, v) = flow(x: x, y: y)
            best = max(best, (u * u + v * v).squareRoot())
        }
        return best
    }
}

/// Fits `HeadMotion` to a flow field robustly, so that the motion left after it (the
/// residual) is the face's own: an action unit moves a minority of the face, which the
/// fit learns to ignore, while roll and zoom, which a median translation leaves in
/// the residual, are taken out (docs/decisions/2026-12-07-registration.md).
///
/// The field is reduced to the mean flow of square cells; the fit starts from the
/// cells' median translation and then runs iteratively re-weighted least squares with
/// Tukey's biweight on the cells' residuals, whose scale comes from their median. Cells
/// given weight 0 (the eyes, which blinks move wholesale) never count.
public struct FlowRegistration: Sendable {
    public enum Model: String, Sendable, CaseIterable, Decodable {
        case translation, similarity, affine
    }

    public var model: Model
    /// Cell side in pixels of the field.
    public var cellSide: Int
    /// Re-weighting rounds after the first weighted fit.
    public var rounds: Int
    /// Residuals are cut off at this many times their median (Tukey's biweight), and the
    /// median is floored at `minimumScale` pixels so that a perfectly still face does not
    /// make the fit chase noise.
    public var cutoff: Double
    public var minimumScale: Double

    public init(model: Model = .affine, cellSide: Int = 8, rounds: Int = 3, cutoff: Double = 4.0, minimumScale: Double = 0.02) {
        self.model = model
        self.cellSide = max(1, cellSide)
        self.rounds = max(0, rounds)
        self.cutoff = cutoff
        self.minimumScale = minimumScale
    }

    /// The head motion of `field`; `prior(x, y)` gives each cell's weight (0 to leave it
    /// out) from its centre in field pixels.
    public func fit(_ field: FlowField, prior: (Double, Double) -> Double = { _, _ in 1 }) -> HeadMotion {
        var cells = Cells()
        let cx = Double(field.width) / 2, cy = Double(field.height) / 2
        let n = cellSide
        field.values.withUnsafeBufferPointer { values in
            var y0 = 0
            while y0 + n <= field.height {
                var x0 = 0
                while x0 + n <= field.width {
                    let w = prior(Double(x0) + Double(n) / 2, Double(y0) + Double(n) / 2)
                    if w > 0 {
                        var su = 0.0, sv = 0.0
                        for y in y0..<(y0 + n) {
                            var i = 2 * (y * field.width + x0)
                            for _ in 0..<n {
                                su += Double(values[i]); sv += Double(values[i + 1])
                                i += 2
                            }
                        }
                        let area = Double(n * n)
                        cells.append(x: Double(x0) + Double(n) / 2 - cx, y: Double(y0) + Double(n) / 2 - cy,
                                     u: su / area, v: sv / area, prior: w)
                    }
                    x0 += n
                }
                y0 += n
            }
        }
        return fit(cells)
    }

    /// Cell means, their centres relative to the field's centre, and prior weights.
    struct Cells {
        var x: [Double] = [], y: [Double] = [], u: [Double] = [], v: [Double] = [], prior: [Double] = []
        mutating func append(x: Double, y: Double, u: Double, v: Double, prior: Double) {
            self.x.append(x); self.y.append(y); self.u.append(u); self.v.append(v); self.prior.append(prior)
        }
        var count: Int { x.count }
    }

    func fit(_ cells: Cells) -> HeadMotion {
        guard cells.count > 0 else { return HeadMotion() }
        var us = cells.u, vs = cells.v
        var motion = HeadMotion(tx: Self.median(&us), ty: Self.median(&vs))
        guard model != .translation || rounds > 0 else { return motion }
        var weights = cells.prior
        var residuals = [Double](repeating: 0, count: cells.count)
        for _ in 0...rounds {
            // Weights from the current fit's residuals.
            for i in 0..<cells.count {
                let (mu, mv) = motion.flow(x: cells.x[i], y: cells.y[i])
                let du = cells.u[i] - mu, dv = cells.v[i] - mv
                residuals[i] = (du * du + dv * dv).squareRoot()
            }
            var scaled = zip(residuals, cells.prior).filter { $0.1 > 0 }.map(\.0)
            let scale = max(minimumScale, Self.median(&scaled))
            let limit = cutoff * scale
            for i in 0..<cells.count {
                let r = residuals[i] / limit
                weights[i] = r < 1 ? cells.prior[i] * (1 - r * r) * (1 - r * r) : 0
            }
            guard let next = solve(cells, weights: weights) else { break }
            motion = next
        }
        return motion
    }

    /// Weighted least squares for the model's parameters.
    private func solve(_ cells: Cells, weights: [Double]) -> HeadMotion? {
        switch model {
        case .translation:
            var sw = 0.0, su = 0.0, sv = 0.0
            for i in 0..<cells.count { sw += weights[i]; su += weights[i] * cells.u[i]; sv += weights[i] * cells.v[i] }
            return sw > 0 ? HeadMotion(tx: su / sw, ty: sv / sw) : nil
        case .affine:
            // u and v share the design [1, x, y]: one 3x3 system, two right-hand sides.
            var m = [Double](repeating: 0, count: 9), bu = [0.0, 0.0, 0.0], bv = [0.0, 0.0, 0.0]
            for i in 0..<cells.count where weights[i] > 0 {
                let row = [1.0, cells.x[i], cells.y[i]], w = weights[i]
                for r in 0..<3 {
                    for c in 0..<3 { m[r * 3 + c] += w * row[r] * row[c] }
                    bu[r] += w * row[r] * cells.u[i]
                    bv[r] += w * row[r] * cells.v[i]
                }
            }
            guard let pu = Self.solveLinear(m, bu, n: 3), let pv = Self.solveLinear(m, bv, n: 3) else { return nil }
            return HeadMotion(tx: pu[0], ty: pv[0], a: pu[1], b: pu[2], c: pv[1], d: pv[2])
        case .similarity:
            // Parameters (tx, ty, s, r): u = tx + s x - r y, v = ty + r x + s y.
            var m = [Double](repeating: 0, count: 16), rhs = [0.0, 0.0, 0.0, 0.0]
            for i in 0..<cells.count where weights[i] > 0 {
                let x = cells.x[i], y = cells.y[i], w = weights[i]
                let rowU = [1.0, 0.0, x, -y], rowV = [0.0, 1.0, y, x]
                for r in 0..<4 {
                    for c in 0..<4 { m[r * 4 + c] += w * (rowU[r] * rowU[c] + rowV[r] * rowV[c]) }
                    rhs[r] += w * (rowU[r] * cells.u[i] + rowV[r] * cells.v[i])
                }
            }
            guard let p = Self.solveLinear(m, rhs, n: 4) else { return nil }
            return HeadMotion(tx: p[0], ty: p[1], a: p[2], b: -p[3], c: p[3], d: p[2])
        }
    }

    /// Gaussian elimination with partial pivoting; nil when the system is singular (too
    /// few cells with weight to fix the model).
    static func solveLinear(_ matrix: [Double], _ rhs: [Double], n: Int) -> [Double]? {
        var m = matrix, b = rhs
        for col in 0..<n {
            var pivot = col
            for r in (col + 1)..<max(col + 1, n) where abs(m[r * n + col]) > abs(m[pivot * n + col]) { pivot = r }
            guard abs(m[pivot * n + col]) > 1e-9 else { return nil }
            if pivot != col {
                for c in 0..<n { m.swapAt(col * n + c, pivot * n + c) }
                b.swapAt(col, pivot)
            }
            for r in (col + 1)..<max(col + 1, n) {
                let f = m[r * n + col] / m[col * n + col]
                guard f != 0 else { continue }
                for c in col..<n { m[r * n + c] -= f * m[col * n + c] }
                b[r] -= f * b[col]
            }
        }
        var x = [Double](repeating: 0, count: n)
        for r in stride(from: n - 1, through: 0, by: -1) {
            var s = b[r]
            for c in (r + 1)..<max(r + 1, n) { s -= m[r * n + c] * x[c] }
            x[r] = s / m[r * n + r]
        }
        return x
    }

    static func median(_ values: inout [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        values.sort()
        let k = values.count / 2
        return values.count % 2 == 1 ? values[k] : (values[k - 1] + values[k]) / 2
    }
}
