import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Debian's mosquitto broker (package mosquitto, scripts/test-setup), run for one test
/// on a free port of 127.0.0.1 with a configuration of its own in a temporary folder:
/// anonymous clients allowed, nothing kept on disk unless `persistence` asks for it.
/// It can be killed and started again on the same port, as a broker that crashes.
public final class MosquittoBroker: @unchecked Sendable {
    /// A second listener, on `securePort`: TLS with a certificate for localhost and
    /// 127.0.0.1 signed by a CA of the test's own (`caFile`), and/or a user and password
    /// required. The first listener stays open to anonymous clients, for the tests' own
    /// subscribers.
    public struct SecureListener: Sendable {
        public var tls: Bool
        public var user: String?
        public var password: String?

        public init(tls: Bool, user: String? = nil, password: String? = nil) {
            self.tls = tls
            self.user = user
            self.password = password
        }
    }

    public let port: UInt16
    public let securePort: UInt16?
    public let folder: URL
    private let lock = NSLock()
    private var process: Process?

    /// The CA certificate that signed the secure listener's certificate.
    public var caFile: String { folder.appendingPathComponent("ca.pem").path }

    /// With `persistence`, the broker saves its state (persistent sessions, their queued
    /// messages, retained messages) every second and reads it back when it starts again.
    public init(persistence: Bool = false, secure: SecureListener? = nil) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("mosquitto-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        port = try Self.freePort()
        securePort = try secure.map { _ in try Self.freePort() }
        var lines = [
            // Each listener with its own authentication settings.
            "per_listener_settings true",
            // Started as root, mosquitto would switch to its own user and could not
            // write in this folder.
            "user \(Self.userName())",
            "log_dest file \(folder.appendingPathComponent("mosquitto.log").path)",
            "log_type all",
        ]
        if persistence {
            lines += ["persistence true", "persistence_location \(folder.path)/", "autosave_interval 1"]
        } else {
            lines.append("persistence false")
        }
        lines += ["listener \(port) 127.0.0.1", "allow_anonymous true"]
        if let secure, let securePort {
            lines.append("listener \(securePort) 127.0.0.1")
            if secure.tls {
                try makeCertificates()
                lines += ["cafile \(caFile)", "certfile \(folder.path)/server.pem", "keyfile \(folder.path)/server.key"]
            }
            if let user = secure.user {
                let passwords = folder.appendingPathComponent("passwords").path
                try Self.run("mosquitto_passwd", ["-b", "-c", passwords, user, secure.password ?? ""])
                lines += ["allow_anonymous false", "password_file \(passwords)"]
            } else {
                lines.append("allow_anonymous true")
            }
        }
        try (lines.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("mosquitto.conf"), atomically: true, encoding: .utf8)
        try start()
    }

    /// A CA, and a server certificate it signed for localhost and 127.0.0.1, valid a day.
    private func makeCertificates() throws {
        let script = """
            set -e
            openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 1 -subj /CN=mexd-test-ca
            openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=localhost
            printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > server.ext
            openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 1 -extfile server.ext
            """
        guard try MosquittoTools.run(URL(fileURLWithPath: "/bin/sh"), ["-c", script], in: folder) else {
            throw MosquittoError.failed("openssl could not make the test certificates")
        }
    }

    private static func run(_ tool: String, _ arguments: [String]) throws {
        guard let executable = MosquittoTools.find(tool) else { throw MosquittoError.missing(tool) }
        guard try MosquittoTools.run(executable, arguments) else { throw MosquittoError.failed("\(tool) failed") }
    }

    deinit {
        kill()
        try? FileManager.default.removeItem(at: folder)
    }

    /// Starts the broker and waits until it accepts connections.
    public func start() throws {
        guard let executable = MosquittoTools.find("mosquitto") else { throw MosquittoError.missing("mosquitto") }
        let process = Process()
        process.executableURL = executable
        process.arguments = ["-c", folder.appendingPathComponent("mosquitto.conf").path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        lock.withLock { self.process = process }
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if Self.accepts(port: port) && securePort.map(Self.accepts(port:)) != false { return }
            if !process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw MosquittoError.failed("mosquitto did not start on port \(port): \(log)")
    }

    /// SIGKILL: the broker dies as in a crash, its clients' connections break.
    public func kill() {
        guard let process = lock.withLock({ defer { self.process = nil }; return self.process }) else { return }
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// What the broker logged (connections, subscriptions, each message).
    public var log: String {
        (try? String(contentsOf: folder.appendingPathComponent("mosquitto.log"), encoding: .utf8)) ?? ""
    }

    /// A port nothing listens on now (the kernel's pick, closed again for mosquitto).
    private static func freePort() throws -> UInt16 {
        guard let (fd, port) = LoopbackListener.open() else { throw MosquittoError.failed("no free port: \(String(cString: strerror(errno)))") }
        close(fd)
        return port
    }

    private static func accepts(port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    private static func userName() -> String {
        guard let entry = getpwuid(getuid()), let name = entry.pointee.pw_name else { return "root" }
        return String(cString: name)
    }
}

public enum MosquittoError: Error, CustomStringConvertible {
    case missing(String)
    case failed(String)

    public var description: String {
        switch self {
        case .missing(let tool): "\(tool) is not installed (Debian: mosquitto and mosquitto-clients; run scripts/test-setup)"
        case .failed(let reason): reason
        }
    }
}

/// Finds the mosquitto tools: the broker lives in /usr/sbin, often not on a user's PATH.
public enum MosquittoTools {
    public static func find(_ name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let folders = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/bin", "/usr/local/sbin"]
        return folders.lazy.map { URL(fileURLWithPath: $0).appendingPathComponent(name) }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// mosquitto_pub: one message, at QoS 1.
    public static func publish(port: UInt16, topic: String, payload: String) throws {
        guard let executable = find("mosquitto_pub") else { throw MosquittoError.missing("mosquitto_pub") }
        _ = try run(executable, ["-p", "\(port)", "-q", "1", "-t", topic, "-m", payload])
    }

    /// Runs a tool to its end, its output discarded; true when it exited 0.
    static func run(_ executable: URL, _ arguments: [String], in folder: URL? = nil) throws -> Bool {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = folder
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
