/// A constant-velocity (alpha-beta) smoother for one coordinate.
///
/// Unlike an exponential average it has no steady lag behind a face that drifts at a
/// constant speed, yet it still halves frame-to-frame detector jitter; the crop box
/// therefore stays on the face while being steady.
struct AlphaBetaFilter: Sendable {
    var value: Double
    var velocity = 0.0
    let alpha: Double
    let beta: Double

    init(_ value: Double, alpha: Double, beta: Double) {
        self.value = value
        self.alpha = alpha
        self.beta = beta
    }

    /// Advances one frame with a measurement.
    mutating func update(_ measurement: Double) {
        let predicted = value + velocity
        let residual = measurement - predicted
        value = predicted + alpha * residual
        velocity += beta * residual
    }

    /// Advances one frame with no measurement: hold still rather than coast off.
    mutating func hold() { velocity = 0 }
}
