import CMosquitto
import Foundation

/// What libmosquitto reported from inside a loop call, through its callbacks.
enum ClientEvent: Equatable {
    /// The broker's CONNACK: 0 accepted the connection, anything else refused it.
    case connected(code: Int32)
    /// The connection ended: 0 when mexd asked, else why (a libmosquitto error).
    case disconnected(code: Int32)
    /// A message was delivered: QoS 1 acknowledged (PUBACK), QoS 2 completed (PUBCOMP),
    /// QoS 0 written to the socket.
    case published(mid: Int32)
}

/// TLS for a connection: files as libmosquitto reads them.
struct TLSFiles: Sendable, Equatable {
    /// CA certificates; nil: the system's.
    var ca: String?
    /// A client certificate and its key, or neither.
    var certificate: String?
    var key: String?
}

/// What a connection presents to the broker.
struct ClientOptions: Sendable {
    var clientID: String
    var username: String?
    var password: String?
    /// nil: plain TCP.
    var tls: TLSFiles?
    /// Published by the broker, retained at QoS 1, if the connection ends without a
    /// DISCONNECT: a crash, kill -9, a lost network.
    var willTopic: String
    var willPayload: String
}

/// One connection to a broker through libmosquitto, used by one thread only (the
/// publisher's). No libmosquitto thread runs: the publisher polls the socket and calls
/// the read, write and housekeeping functions itself (libmosquitto's "external loop"),
/// so that it can wait on the broker and on new events at once. The callbacks run
/// inside those calls and only record what happened; the caller handles it after.
///
/// A client serves one connection attempt; the next attempt gets a new one, so nothing
/// queued inside libmosquitto outlives its connection (the journal is what is resent).
final class MosquittoClient {
    private let handle: OpaquePointer
    private let inbox = CallbackInbox()

    init(_ options: ClientOptions) throws(MQTTError) {
        _ = MosquittoLibrary.initialised
        guard let handle = mosquitto_new(options.clientID, true, Unmanaged.passUnretained(inbox).toOpaque()) else {
            throw .library(call: "mosquitto_new", code: errno, reason: String(cString: strerror(errno)))
        }
        self.handle = handle
        mosquitto_connect_callback_set(handle) { _, context, code in CallbackInbox.of(context).events.append(.connected(code: code)) }
        mosquitto_disconnect_callback_set(handle) { _, context, code in CallbackInbox.of(context).events.append(.disconnected(code: code)) }
        mosquitto_publish_callback_set(handle) { _, context, mid in CallbackInbox.of(context).events.append(.published(mid: mid)) }
        // Events are small and acknowledged one by one: Nagle's delay would hold them back.
        _ = mosquitto_int_option(handle, MOSQ_OPT_TCP_NODELAY, 1)
        let will = Array(options.willPayload.utf8)
        try Self.check("mosquitto_will_set", will.withUnsafeBytes {
            mosquitto_will_set(handle, options.willTopic, Int32($0.count), $0.baseAddress, 1, true)
        })
        if let username = options.username {
            try Self.check("mosquitto_username_pw_set", mosquitto_username_pw_set(handle, username, options.password))
        }
        if let tls = options.tls { try configure(tls) }
    }

    deinit { mosquitto_destroy(handle) }

    private func configure(_ tls: TLSFiles) throws(MQTTError) {
        if tls.ca == nil {
            try Self.check("mosquitto_int_option(TLS_USE_OS_CERTS)", mosquitto_int_option(handle, MOSQ_OPT_TLS_USE_OS_CERTS, 1))
        }
        guard tls.ca != nil || tls.certificate != nil else { return }
        // A client certificate without tls_ca verifies the broker with the system's CA
        // folder (Debian's OpenSSL one) as well as its default paths.
        let caPath = tls.ca == nil ? "/etc/ssl/certs" : nil
        try Self.check("mosquitto_tls_set", mosquitto_tls_set(handle, tls.ca, caPath, tls.certificate, tls.key, nil))
    }

    /// Starts connecting without waiting for the broker: the name is resolved here, the
    /// TCP (and TLS) handshake and CONNACK come through the loop calls.
    func connect(host: String, port: Int, keepalive: Int) throws(MQTTError) {
        try Self.check("connect to \(host):\(port)", mosquitto_connect_async(handle, host, Int32(port), Int32(keepalive)))
    }

    /// The connection's socket, or -1 when there is none.
    var socket: Int32 { mosquitto_socket(handle) }

    /// Whether output waits for the socket to take it.
    var wantsWrite: Bool { mosquitto_want_write(handle) }

    /// The loop calls: reading, writing, and keepalive (PINGREQ, or giving up on a broker
    /// that stopped answering). Each returns libmosquitto's code; a failure has already
    /// closed the connection and reported `.disconnected`.
    func read() -> Int32 { mosquitto_loop_read(handle, 1) }
    func write() -> Int32 { mosquitto_loop_write(handle, 1) }
    func housekeeping() -> Int32 { mosquitto_loop_misc(handle) }

    /// Publishes `payload` (empty: clears a retained message); returns the message id that
    /// `.published` will report.
    func publish(topic: String, payload: String, qos: Int, retain: Bool) throws(MQTTError) -> Int32 {
        var mid: Int32 = 0
        let bytes = Array(payload.utf8)
        let code = bytes.withUnsafeBytes { mosquitto_publish(handle, &mid, topic, Int32($0.count), $0.baseAddress, Int32(qos), retain) }
        try Self.check("publish to \(topic)", code)
        return mid
    }

    /// Sends DISCONNECT: the broker then drops the last will.
    func disconnect() { _ = mosquitto_disconnect(handle) }

    /// What the callbacks reported since the last call, in order.
    func takeEvents() -> [ClientEvent] {
        defer { inbox.events.removeAll() }
        return inbox.events
    }

    static let success = Int32(MOSQ_ERR_SUCCESS.rawValue)

    private static func check(_ call: String, _ code: Int32) throws(MQTTError) {
        if code != success { throw MQTTError.library(call, code) }
    }
}

/// libmosquitto wants mosquitto_lib_init() once per process before its first client
/// (it seeds its random numbers and sets up OpenSSL); this runs it on first use.
private enum MosquittoLibrary {
    static let initialised: Void = { _ = mosquitto_lib_init() }()
}

/// Where a client's callbacks put what they report: its address is the client's
/// libmosquitto user data, and it lives as long as the client.
private final class CallbackInbox {
    var events: [ClientEvent] = []

    static func of(_ context: UnsafeMutableRawPointer?) -> CallbackInbox {
        Unmanaged<CallbackInbox>.fromOpaque(context!).takeUnretainedValue()
    }
}
