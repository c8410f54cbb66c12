/// The waits between attempts to reach the broker: `initial` after the first failure,
/// doubled after each further one up to `maximum`, and `initial` again once a
/// connection was accepted.
struct ReconnectBackoff: Equatable {
    let initial: Double
    let maximum: Double
    private var upcoming: Double

    init(initial: Double, maximum: Double) {
        self.initial = initial
        self.maximum = max(initial, maximum)
        upcoming = initial
    }

    /// The wait after a failure, in seconds; the next one will be twice as long.
    mutating func nextWait() -> Double {
        defer { upcoming = min(upcoming * 2, maximum) }
        return upcoming
    }

    mutating func reset() { upcoming = initial }
}
