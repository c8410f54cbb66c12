import Foundation

/// Why a source could not be opened or stopped delivering frames. Every case names the
/// source and says what a user can do about it.
public enum SourceError: Error, Equatable, CustomStringConvertible {
    case noSuchFile(String)
    case permissionDenied(String)
    case notAVideo(String, detail: String)
    case noVideoStream(String)
    case decoderMissing(String, codec: String)
    case openFailed(String, detail: String)
    case readFailed(String, detail: String)
    case noDevice(String)
    case notACaptureDevice(String)
    case deviceBusy(String)
    case deviceLost(String)
    case stalled(String, seconds: Double)
    case unsupportedFormat(String, detail: String)
    case deviceError(String, operation: String, errno: Int32)

    public var description: String {
        switch self {
        case .noSuchFile(let s):
            return "\(s): no such file"
        case .permissionDenied(let s) where s.hasPrefix("/dev/"):
            return "\(s): permission denied; add the user to the 'video' group (usermod -aG video USER) and log in again"
        case .permissionDenied(let s):
            return "\(s): permission denied"
        case .notAVideo(let s, let detail):
            return "\(s): not a video FFmpeg can read, or damaged (\(detail))"
        case .noVideoStream(let s):
            return "\(s): has no video stream"
        case .decoderMissing(let s, let codec):
            return "\(s): no decoder for codec '\(codec)' in this FFmpeg build; install a fuller libavcodec"
        case .openFailed(let s, let detail):
            return "\(s): cannot open (\(detail))"
        case .readFailed(let s, let detail):
            return "\(s): read error (\(detail))"
        case .noDevice(let s):
            return "\(s): no such camera; `mexd devices` lists the cameras present"
        case .notACaptureDevice(let s):
            return "\(s): not a video capture device (no streaming capture capability)"
        case .deviceBusy(let s):
            return "\(s): camera is busy; another program is using it"
        case .deviceLost(let s):
            return "\(s): camera disconnected"
        case .stalled(let s, let seconds):
            return "\(s): no frame for \(String(format: "%.1f", seconds)) s"
        case .unsupportedFormat(let s, let detail):
            return "\(s): no usable pixel format (\(detail))"
        case .deviceError(let s, let operation, let code):
            return "\(s): \(operation) failed: \(String(cString: strerror(code)))"
        }
    }
}
