import MexMQTT
import MexProtocol

/// Where the event bus hands records beyond the socket, once they are journaled: the
/// MQTT publisher. Every call only hands over; none may wait, since the bus calls them
/// on the event path.
public protocol RecordRelay: Sendable {
    /// An EVENT record after its journal commit (`seq` nil when the journal failed).
    func eventCommitted(seq: Int64?, source: String, line: String)
    /// A record that is not journaled (SOURCE, STATS, FRAME, EOF): the relay keeps the
    /// classes it wants.
    func published(_ record: JSONObject, source: String?)
    /// A source left SOURCES for good (a finished scan).
    func sourceLeft(_ source: String)
}

extension MQTTPublisher: RecordRelay {
    public func published(_ record: JSONObject, source: String?) {
        switch record.recordClass {
        case .source?:
            if let source { sourceState(source, line: record.line) }
        case .stats?:
            stats(record.line)
        default:
            break
        }
    }
}
