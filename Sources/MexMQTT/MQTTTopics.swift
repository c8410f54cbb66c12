/// The topics mexd publishes to, under one prefix (mexd.toml(5), [mqtt]):
///
/// - `PREFIX/SOURCE/event`: each EVENT record, the line the socket sends;
/// - `PREFIX/SOURCE/state`: the source's latest SOURCE record, retained;
/// - `PREFIX/status`: `online` (retained), `offline` (retained; the last will), and a
///   JSON note for each run of events the journal pruned before the broker had them;
/// - `PREFIX/stats`: STATS records.
///
/// Source names hold only letters, digits, '_' and '-' (mexd.toml(5)), so each is one
/// topic level as it is.
public struct MQTTTopics: Sendable, Equatable {
    public let prefix: String

    public init(prefix: String) {
        self.prefix = prefix
    }

    public func event(_ source: String) -> String { "\(prefix)/\(source)/event" }
    public func state(_ source: String) -> String { "\(prefix)/\(source)/state" }
    public var status: String { "\(prefix)/status" }
    public var stats: String { "\(prefix)/stats" }

    /// The prefix when topic_prefix is unset: one per host, so that several hosts can
    /// share a broker.
    public static func defaultPrefix(hostname: String) -> String { "mexd/\(hostname)" }

    /// The client id when client_id is unset: the broker allows one connection per id.
    public static func defaultClientID(hostname: String) -> String { "mexd-\(hostname)" }

    /// The payloads of `status`.
    public static let online = "online"
    public static let offline = "offline"
}
