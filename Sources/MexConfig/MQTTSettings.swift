import MexProtocol

/// [mqtt]: the daemon's records published to an MQTT broker (mexd.toml(5)). Off while
/// `host` is unset. The password is never written here: `passwordFile` names the file
/// that holds it.
public struct MQTTSettings: Sendable, Equatable {
    /// The broker's host name or address; nil turns MQTT off.
    public var host: String?
    /// nil: 1883, or 8883 with `tls`.
    public var port: Int?
    /// nil: "mexd-" and the host name.
    public var clientID: String?
    public var username: String?
    /// The file holding the password; a bare name is a systemd credential, read from
    /// `$CREDENTIALS_DIRECTORY`.
    public var passwordFile: String?
    public var tls = false
    /// CA certificates to verify the broker with; nil: the system's.
    public var tlsCA: String?
    /// A client certificate and its key, both or neither.
    public var tlsCert: String?
    public var tlsKey: String?
    /// nil: "mexd/" and the host name.
    public var topicPrefix: String?
    /// QoS of EVENT messages.
    public var qos = 1
    /// Seconds between keepalive pings when nothing else is sent.
    public var keepalive = 60
    /// The record classes published, among `publishable`.
    public var publish: [RecordClass] = [.event]
    /// Events before the journal's last seq sent the first time this broker is used.
    public var backlog = 0
    /// Reconnect back-off: the first wait, doubled per failure up to the maximum (s).
    public var reconnectInitial = 1.0
    public var reconnectMax = 60.0

    public init() {}

    public var enabled: Bool { host != nil }

    /// The port in force: the one given, else MQTT's own for plain TCP or TLS.
    public var effectivePort: Int { port ?? (tls ? 8883 : 1883) }

    /// Classes `publish` may name: events, source states and daemon statistics.
    public static let publishable: [RecordClass] = [.event, .source, .stats]
}
