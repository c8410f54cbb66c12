/// Where a source's frames come from (the `kind` of a source in the config and on the wire).
public enum SourceKind: String, Sendable, Codable {
    case file
    case rtsp
    case v4l2

    /// Classifies a scan argument: a V4L2 device node, a network stream, or anything
    /// else FFmpeg opens (files, image sequences such as img%03d.png, other URLs).
    public static func of(location: String) -> SourceKind {
        if location.hasPrefix("/dev/video") || location.hasPrefix("/dev/v4l/") { return .v4l2 }
        let lower = location.lowercased()
        if lower.hasPrefix("rtsp://") || lower.hasPrefix("rtsps://") { return .rtsp }
        return .file
    }
}
