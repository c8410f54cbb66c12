import CMosquitto
import Foundation

/// What went wrong with MQTT: at start-up, a file [mqtt] names; at run time, a
/// libmosquitto call (logged, and the connection is tried again).
public enum MQTTError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A file of [mqtt] (the password, a TLS certificate or key) cannot be used.
    case credential(path: String, reason: String)
    /// A libmosquitto call failed: the function, its error code, and what that means
    /// (for MOSQ_ERR_ERRNO, the system's error).
    case library(call: String, code: Int32, reason: String)

    public var description: String { "mqtt: " + detail }

    /// The description without its "mqtt: ".
    public var detail: String {
        switch self {
        case let .credential(path, reason): "\(path): \(reason)"
        case let .library(call, _, reason): "\(call): \(reason)"
        }
    }

    /// The error of a libmosquitto call that returned `code`, read at once (errno).
    static func library(_ call: String, _ code: Int32) -> MQTTError {
        .library(call: call, code: code, reason: reason(code))
    }

    /// libmosquitto's words for `code` (without their final full stop, as they end up
    /// inside longer messages); the system's for MOSQ_ERR_ERRNO.
    static func reason(_ code: Int32) -> String {
        if code == Int32(MOSQ_ERR_ERRNO.rawValue) { return String(cString: strerror(errno)) }
        let words = String(cString: mosquitto_strerror(code))
        return words.hasSuffix(".") ? String(words.dropLast()) : words
    }
}
