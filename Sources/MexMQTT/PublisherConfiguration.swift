import MexConfig
import MexProtocol

/// [mqtt] made ready to use: defaults that depend on the host filled in, and the
/// password and TLS files found and read (`CredentialFiles`).
public struct PublisherConfiguration: Sendable {
    public let host: String
    public let port: Int
    public let topics: MQTTTopics
    let client: ClientOptions
    public let qos: Int
    public let keepalive: Int
    public let publishes: Set<RecordClass>
    public let backlog: Int
    let reconnect: ReconnectBackoff

    /// The journal's name for the broker: where it stands is kept per broker.
    public var broker: String { "\(host):\(port)" }
    public var clientID: String { client.clientID }

    /// nil when MQTT is off (no host). Throws when a file it names cannot be used.
    public static func resolve(_ settings: MQTTSettings, hostname: String,
                               environment: [String: String]) throws(MQTTError) -> PublisherConfiguration? {
        guard let host = settings.host else { return nil }
        let password = try settings.passwordFile.map { name throws(MQTTError) in try CredentialFiles.password(name, environment: environment) }
        var tls: TLSFiles?
        if settings.tls {
            func file(_ name: String?) throws(MQTTError) -> String? {
                try name.map { name throws(MQTTError) in try CredentialFiles.readableFile(name, environment: environment) }
            }
            tls = TLSFiles(ca: try file(settings.tlsCA), certificate: try file(settings.tlsCert), key: try file(settings.tlsKey))
        }
        let topics = MQTTTopics(prefix: settings.topicPrefix ?? MQTTTopics.defaultPrefix(hostname: hostname))
        let client = ClientOptions(clientID: settings.clientID ?? MQTTTopics.defaultClientID(hostname: hostname),
                                   username: settings.username, password: password, tls: tls,
                                   willTopic: topics.status, willPayload: MQTTTopics.offline)
        return PublisherConfiguration(host: host, port: settings.effectivePort, topics: topics, client: client, qos: settings.qos,
                                      keepalive: settings.keepalive, publishes: Set(settings.publish), backlog: settings.backlog,
                                      reconnect: ReconnectBackoff(initial: settings.reconnectInitial, maximum: settings.reconnectMax))
    }
}
