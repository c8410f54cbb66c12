import Foundation
import MexConfig
import Testing
@testable import MexMQTT

@Suite struct CredentialFilesTests {
    private func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mqtt-credentials-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func aBareNameIsASystemdCredential() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        try "s3cret\nignored\n".write(to: dir.appendingPathComponent("mqtt-password"), atomically: true, encoding: .utf8)
        let environment = ["CREDENTIALS_DIRECTORY": dir.path]
        #expect(try CredentialFiles.password("mqtt-password", environment: environment) == "s3cret", "the first line")
        #expect(try CredentialFiles.password(dir.appendingPathComponent("mqtt-password").path, environment: [:]) == "s3cret")
        #expect(throws: MQTTError.self) { try CredentialFiles.password("mqtt-password", environment: [:]) }
        do {
            _ = try CredentialFiles.password("mqtt-password", environment: [:])
        } catch {
            #expect(error.detail.contains("CREDENTIALS_DIRECTORY is not set"), "\(error)")
        }
    }

    @Test func anEmptyOrMissingPasswordFileIsRefused() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let empty = dir.appendingPathComponent("empty")
        try "\r\n".write(to: empty, atomically: true, encoding: .utf8)
        #expect(throws: MQTTError.credential(path: empty.path, reason: "the password file is empty")) {
            try CredentialFiles.password(empty.path, environment: [:])
        }
        let missing = dir.appendingPathComponent("missing").path
        #expect(throws: MQTTError.credential(path: missing, reason: "no such file")) {
            try CredentialFiles.readableFile(missing, environment: [:])
        }
    }

    @Test func theConfigurationFillsInTheHostsDefaults() throws {
        var settings = MQTTSettings()
        #expect(try PublisherConfiguration.resolve(settings, hostname: "lab", environment: [:]) == nil, "off without host")
        settings.host = "broker.local"
        settings.publish = [.event, .source]
        let plain = try #require(try PublisherConfiguration.resolve(settings, hostname: "lab", environment: [:]))
        #expect(plain.broker == "broker.local:1883")
        #expect(plain.topics.prefix == "mexd/lab" && plain.clientID == "mexd-lab")
        #expect(plain.publishes == [.event, .source] && plain.qos == 1)
        settings.tls = true
        settings.topicPrefix = "site/cams"
        let tls = try #require(try PublisherConfiguration.resolve(settings, hostname: "lab", environment: [:]))
        #expect(tls.broker == "broker.local:8883" && tls.topics.status == "site/cams/status")
    }
}
