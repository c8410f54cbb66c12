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

    public private(set) var port: UInt16 = 0
    public private(set) var securePort: UInt16?
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
        var secureLines: [String] = []
        if let secure {
            if secure.tls {
                try Self.makeCertificates(in: folder)
                secureLines += ["cafile \(folder.path)/ca.pem", "certfile \(folder.path)/server.pem", "keyfile \(folder.path)/server.key"]
            }
            if let user = secure.user {
                let passwords = folder.appendingPathComponent("passwords").path
                try Self.run("mosquitto_passwd", ["-b", "-c", passwords, user, secure.password ?? ""])
                secureLines += ["allow_anonymous false", "password_file \(passwords)"]
            } else {
                secureLines.append("allow_anonymous true")
            }
        }
        // Ports are drawn below the kernel's ephemeral range (32768 and up), which other
        // tests' listeners and every outgoing connection take theirs from; a port that
        // another test drew too makes mosquitto exit, and another is drawn.
        var ports: (UInt16, UInt16?) = (0, nil)
        for _ in 0..<8 {
            ports = (UInt16.random(in: 20_000...32_000), secure == nil ? nil : UInt16.random(in: 20_000...32_000))
            var text = lines + ["listener \(ports.0) 127.0.0.1", "allow_anonymous true"]
            if let securePort = ports.1 { text += ["listener \(securePort) 127.0.0.1"] + secureLines }
            try (text.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("mosquitto.conf"), atomically: true, encoding: .utf8)
            if try launch(ports: ports) { break }
        }
        (port, securePort) = ports
        guard lock.withLock({ process != nil }) else { throw MosquittoError.failed("mosquitto did not start: \(log)") }
    }

    /// A CA, and a server certificate it signed for localhost and 127.0.0.1, valid a day.
    private static func makeCertificates(in folder: URL) throws {
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

    /// Starts the broker again, on its ports, and waits until it accepts connections.
    public func start() throws {
        guard try launch(ports: (port, securePort)) else { throw MosquittoError.failed("mosquitto did not start on port \(port): \(log)") }
    }

    /// Runs mosquitto with the configuration written for `ports`; true once it says it
    /// listens on them and accepts connections, false if it exited (a port in use).
    private func launch(ports: (UInt16, UInt16?)) throws -> Bool {
        guard let executable = MosquittoTools.find("mosquitto") else { throw MosquittoError.missing("mosquitto") }
        let logged = log
        let process = Process()
        process.executableURL = executable
        process.arguments = ["-c", folder.appendingPathComponent("mosquitto.conf").path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let listening = [ports.0] + (ports.1.map { [$0] } ?? [])
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline && process.isRunning {
            // This run's log only: a restart finds the lines of the previous one.
            let fresh = log.dropFirst(logged.count)
            if listening.allSatisfy({ fresh.contains("listen socket on port \($0).") && Self.accepts(port: $0) }) {
                lock.withLock { self.process = process }
                return true
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return false
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
