import MexProtocol

/// [mqtt]: the broker, how to reach it, and what is published there (mexd.toml(5)).
extension ConfigSchema {
    static let mqttSettings: [Setting<MQTTSettings>] = [
        .string("host", what: "a host name or address", \.host,
                "The MQTT broker's host name or address; while unset, nothing is published.",
                check: { $0.contains("://") ? "expected a host name or address, got a URL (\"\($0)\"); give the port with port" : nil }),
        .integer("port", minimum: 1, maximum: 65_535, \.port, "The broker's port; by default 1883, or 8883 with tls."),
        .string("client_id", what: "an MQTT client id", \.clientID,
                "The client id mexd connects with, unique on the broker; by default mexd-HOSTNAME."),
        .string("username", what: "a user name", \.username, "The user name mexd connects with."),
        .string("password_file", what: "a file path or a credential name", \.passwordFile,
                "The file whose first line is the password; a bare name is read from $CREDENTIALS_DIRECTORY (systemd LoadCredential=).",
                check: credentialPathProblem),
        .bool("tls", \.tls, "Connect over TLS and verify the broker's certificate and host name."),
        .string("tls_ca", what: "a file path or a credential name", \.tlsCA,
                "CA certificates (PEM) to verify the broker with; by default the system's.", check: credentialPathProblem),
        .string("tls_cert", what: "a file path or a credential name", \.tlsCert,
                "A client certificate (PEM) to present to the broker, with tls_key.", check: credentialPathProblem),
        .string("tls_key", what: "a file path or a credential name", \.tlsKey,
                "The client certificate's private key (PEM, unencrypted).", check: credentialPathProblem),
        .string("topic_prefix", what: "an MQTT topic", \.topicPrefix,
                "The first levels of every topic mexd publishes; by default mexd/HOSTNAME.", check: topicPrefixProblem),
        .integer("qos", minimum: 0, maximum: 2, \.qos, "The QoS of EVENT messages; 1 and 2 are acknowledged by the broker, 0 is not."),
        .integer("keepalive", minimum: 5, maximum: 65_535, \.keepalive,
                 "Seconds between pings while nothing else is sent; the broker sends the last will after 1.5 times this without a word."),
        .value("publish", .strings(what: "record classes among EVENT, SOURCE and STATS"), \.publish,
               "The record classes published: EVENT on SOURCE/event, SOURCE retained on SOURCE/state, STATS on stats.",
               read: publishClasses, render: { "[" + $0.map { TOMLWriter.quoted($0.rawValue) }.joined(separator: ", ") + "]" }),
        .integer("backlog", minimum: 0, maximum: .max, \.backlog,
                 "The first time mexd publishes to this broker, it starts this many journaled events back; 0: with the next event."),
        .number("reconnect_initial", .positive, maximum: seconds, \.reconnectInitial,
                "The first wait before reconnecting to the broker; it doubles after each failure."),
        .number("reconnect_max", .positive, maximum: seconds, \.reconnectMax, "The longest wait before reconnecting to the broker."),
    ]

    public static let mqttTable = SettingTable<MQTTSettings>("mqtt", mqttSettings, refused: [
        "password": RefusedKey(message: "a password is never written in mexd.toml",
                               hint: "put it in a file only the daemon may read and name that file with password_file; under systemd pass it with LoadCredential="),
    ], check: { r, s in
        if s.host == nil && !r.has("host") {
            // Keys that are unset by default only matter with a broker; the others are
            // written by check-config --print and may stand without one.
            for setting in mqttSettings where setting.defaultValue == nil && r.has(setting.key) {
                r.issues.warning(r.keyPath(setting.key), "ignored: MQTT is off without host")
            }
        }
        if s.passwordFile != nil && s.username == nil {
            r.issues.error(r.keyPath("password_file"), "a password needs a username", hint: "set username too")
        }
        if (s.tlsCert == nil) != (s.tlsKey == nil) {
            let (given, missing) = s.tlsCert != nil ? ("tls_cert", "tls_key") : ("tls_key", "tls_cert")
            r.issues.error(r.keyPath(given), "\(given) without \(missing)", hint: "a client certificate goes with its key: give both or neither")
        }
        if !s.tls, let key = ["tls_ca", "tls_cert", "tls_key"].first(where: r.has) {
            r.issues.error(r.keyPath(key), "\(key) applies only with tls = true", hint: "set tls = true")
        }
        if s.reconnectInitial > s.reconnectMax {
            r.issues.reconnectOrderError(r.keyPath(r.has("reconnect_initial") ? "reconnect_initial" : "reconnect_max"),
                                         s.reconnectInitial, s.reconnectMax)
        }
    })

    /// A file that [mqtt] reads at start-up: an absolute path, or the bare name of a
    /// systemd credential (LoadCredential=NAME:PATH puts it in $CREDENTIALS_DIRECTORY).
    static func credentialPathProblem(_ path: String) -> String? {
        if path.hasPrefix("/") { return nil }
        if path.contains("/") || path == "." || path == ".." {
            return "expected an absolute path, or a credential name without '/', got \"\(path)\""
        }
        return nil
    }

    /// Why `prefix` cannot start the topics mexd publishes to, or nil. A topic name
    /// holds no wildcard; levels are added after the prefix with '/'; topics starting
    /// with '$' are the broker's own ($SYS).
    public static func topicPrefixProblem(_ prefix: String) -> String? {
        if prefix.contains("+") || prefix.contains("#") {
            return "a topic prefix cannot hold the wildcards + and #, got \"\(prefix)\""
        }
        if prefix.hasSuffix("/") { return "a topic prefix does not end with '/': mexd adds /SOURCE/event after it" }
        if prefix.hasPrefix("$") { return "topics starting with '$' are the broker's own" }
        if prefix.unicodeScalars.contains("\0") { return "a topic prefix cannot hold a NUL character" }
        if prefix.utf8.count > 1024 { return "a topic prefix of \(prefix.utf8.count) bytes is too long (at most 1024)" }
        return nil
    }

    /// publish = ["EVENT", "SOURCE"]: classes among `MQTTSettings.publishable`, each once.
    static func publishClasses(_ r: TableReader) -> [RecordClass]? {
        let names = MQTTSettings.publishable.map(\.rawValue)
        let what = "record classes among " + names.joined(separator: ", ")
        guard let strings = r.strings("publish", what: what, check: { given in
            given.first { !names.contains($0) }.map { "expected \(what), got \"\($0)\"" }
        }) else { return nil }
        var classes: [RecordClass] = []
        for name in strings {
            if let recordClass = RecordClass(rawValue: name), !classes.contains(recordClass) { classes.append(recordClass) }
        }
        return classes
    }
}
