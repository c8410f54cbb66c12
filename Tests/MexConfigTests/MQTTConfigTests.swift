import Testing
@testable import MexConfig

/// [mqtt]: what loads, what is refused, and why.
@Suite struct MQTTConfigTests {
    /// The issues of [mqtt] keys (a file without sources also gets a warning of its own).
    private func messages(_ text: String) -> [String] {
        let issues: [ConfigIssue]
        do {
            issues = try ConfigurationLoader.parse(text).warnings
        } catch {
            issues = error.issues
        }
        return issues.filter { $0.keyPath.hasPrefix("mqtt.") }.map(\.description)
    }

    @Test func everyKeyLoads() throws {
        let loaded = try ConfigurationLoader.parse("""
            [mqtt]
            host = "broker.lan"
            port = 8884
            client_id = "cams-1"
            username = "mexd"
            password_file = "mqtt-password"
            tls = true
            tls_ca = "/etc/ssl/broker-ca.pem"
            tls_cert = "mqtt-cert"
            tls_key = "mqtt-key"
            topic_prefix = "site/lab"
            qos = 2
            keepalive = 30
            publish = ["EVENT", "SOURCE", "STATS", "EVENT"]
            backlog = 100
            reconnect_initial = 0.5
            reconnect_max = 30
            """)
        let mqtt = loaded.configuration.mqtt
        #expect(loaded.warnings.allSatisfy { !$0.keyPath.hasPrefix("mqtt") })
        #expect(mqtt.enabled && mqtt.host == "broker.lan" && mqtt.effectivePort == 8884)
        #expect(mqtt.clientID == "cams-1" && mqtt.username == "mexd" && mqtt.passwordFile == "mqtt-password")
        #expect(mqtt.tls && mqtt.tlsCA == "/etc/ssl/broker-ca.pem" && mqtt.tlsCert == "mqtt-cert" && mqtt.tlsKey == "mqtt-key")
        #expect(mqtt.topicPrefix == "site/lab" && mqtt.qos == 2 && mqtt.keepalive == 30)
        #expect(mqtt.publish == [.event, .source, .stats], "each class once, in the order given")
        #expect(mqtt.backlog == 100 && mqtt.reconnectInitial == 0.5 && mqtt.reconnectMax == 30)
        // Loading what check-config --print writes gives the same back.
        #expect(try ConfigurationLoader.parse(loaded.configuration.renderTOML()).configuration == loaded.configuration)
    }

    @Test func offWithoutHost() throws {
        let mqtt = try ConfigurationLoader.parse("").configuration.mqtt
        #expect(!mqtt.enabled && mqtt.effectivePort == 1883 && mqtt.qos == 1 && mqtt.publish == [.event] && mqtt.backlog == 0)
        #expect(messages("[mqtt]\nport = 1884\nqos = 0\n") == ["mexd.toml:2: warning: mqtt.port: ignored: MQTT is off without host"])
        // The keys with defaults, as check-config --print writes them, stand alone.
        #expect(messages(DaemonConfiguration().renderTOML()).isEmpty)
    }

    @Test func aPasswordIsNeverWrittenInTheFile() {
        #expect(messages("[mqtt]\nhost = \"b\"\nusername = \"u\"\npassword = \"hunter2\"\n") == [
            "mexd.toml:4: mqtt.password: a password is never written in mexd.toml (hint: put it in a file only the daemon may read and name "
                + "that file with password_file; under systemd pass it with LoadCredential=)",
        ])
        #expect(messages("[mqtt]\nhost = \"b\"\npassword_file = \"/etc/mexd/pw\"\n") == [
            "mexd.toml:3: mqtt.password_file: a password needs a username (hint: set username too)",
        ])
        #expect(messages("[mqtt]\nhost = \"b\"\nusername = \"u\"\npassword_file = \"secrets/pw\"\n") == [
            "mexd.toml:4: mqtt.password_file: expected an absolute path, or a credential name without '/', got \"secrets/pw\"",
        ])
    }

    @Test func rangesAndFormsAreChecked() {
        #expect(messages("[mqtt]\nhost = \"b\"\nqos = 3\n") == ["mexd.toml:3: mqtt.qos: expected an integer from 0 to 2, got 3"])
        #expect(messages("[mqtt]\nhost = \"b\"\nkeepalive = 2\n") == ["mexd.toml:3: mqtt.keepalive: expected an integer from 5 to 65535, got 2"])
        #expect(messages("[mqtt]\nhost = \"b\"\nport = 0\n") == ["mexd.toml:3: mqtt.port: expected an integer from 1 to 65535, got 0"])
        #expect(messages("[mqtt]\nhost = \"mqtt://b:1883\"\n") == [
            "mexd.toml:2: mqtt.host: expected a host name or address, got a URL (\"mqtt://b:1883\"); give the port with port",
        ])
        #expect(messages("[mqtt]\nhost = \"b\"\npublish = [\"EVENT\", \"FRAME\"]\n") == [
            "mexd.toml:3: mqtt.publish: expected record classes among EVENT, SOURCE, STATS, got \"FRAME\"",
        ])
        #expect(messages("[mqtt]\nhost = \"b\"\ntopic_prefix = \"cams/#\"\n") == [
            "mexd.toml:3: mqtt.topic_prefix: a topic prefix cannot hold the wildcards + and #, got \"cams/#\"",
        ])
        #expect(messages("[mqtt]\nhost = \"b\"\ntopic_prefix = \"cams/\"\n") == [
            "mexd.toml:3: mqtt.topic_prefix: a topic prefix does not end with '/': mexd adds /SOURCE/event after it",
        ])
        #expect(messages("[mqtt]\nhost = \"b\"\ntopic_prefix = \"$SYS/x\"\n") == [
            "mexd.toml:3: mqtt.topic_prefix: topics starting with '$' are the broker's own",
        ])
        #expect(messages("[mqtt]\nhost = \"b\"\nreconnect_initial = 10\nreconnect_max = 5\n") == [
            "mexd.toml:3: mqtt.reconnect_initial: reconnect_initial (10) is longer than reconnect_max (5) "
                + "(hint: the wait starts at reconnect_initial and doubles up to reconnect_max)",
        ])
    }

    @Test func tlsFilesGoWithTLSAndCertificatesWithTheirKeys() {
        #expect(messages("[mqtt]\nhost = \"b\"\ntls_ca = \"/ca.pem\"\n") == [
            "mexd.toml:3: mqtt.tls_ca: tls_ca applies only with tls = true (hint: set tls = true)",
        ])
        #expect(messages("[mqtt]\nhost = \"b\"\ntls = true\ntls_cert = \"/c.pem\"\n") == [
            "mexd.toml:4: mqtt.tls_cert: tls_cert without tls_key (hint: a client certificate goes with its key: give both or neither)",
        ])
        #expect(messages("[mqtt]\nhost = \"b\"\ntls = true\ntls_cert = \"/c.pem\"\ntls_key = \"/k.pem\"\n").isEmpty)
    }
}
