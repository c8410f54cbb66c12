/// [tracking]: how often the face tracker searches whole frames for new faces
/// (mexd.toml(5), docs/ARCHITECTURE.md section 3.2).
public struct TrackingSettings: Sendable, Equatable {
    /// Seconds between full-frame searches while at least one face is tracked.
    public var detectionInterval = 1.0
    /// Seconds between full-frame searches while no face is tracked.
    public var idleDetectionInterval = 2.0
    /// While no face is tracked, search a part of the frame that changed at once
    /// instead of waiting for the next idle search.
    public var changeGate = true

    public init() {}
}
