import Foundation
import MexServer

/// sd_notify(3), written out: datagrams to $NOTIFY_SOCKET. A path starting with '@'
/// is an abstract socket (the '@' stands for a leading NUL byte). Without
/// NOTIFY_SOCKET every call is a no-op, so mexd runs the same outside systemd.
public struct SystemdNotifier: Sendable {
    private let address: UnixSocketAddress?
    /// From WATCHDOG_USEC (and WATCHDOG_PID, when it names this process): how often
    /// systemd expects WATCHDOG=1.
    public let watchdogInterval: Duration?

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let socket = environment["NOTIFY_SOCKET"], !socket.isEmpty, socket.hasPrefix("/") || socket.hasPrefix("@") {
            var bytes = Array(socket.utf8)
            if bytes[0] == UInt8(ascii: "@") { bytes[0] = 0 }
            address = UnixSocketAddress(bytes)
        } else {
            address = nil
        }
        let forUs = environment["WATCHDOG_PID"].map { Int32($0) == getpid() } ?? true
        if forUs, let usec = environment["WATCHDOG_USEC"].flatMap(Int64.init), usec > 0 {
            watchdogInterval = .microseconds(usec)
        } else {
            watchdogInterval = nil
        }
    }

    public var isActive: Bool { address != nil }

    /// Sends "KEY=value" lines; returns false when there is no socket or sending failed.
    @discardableResult
    public func notify(_ state: String) -> Bool {
        guard let address else { return false }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let bytes = Array(state.utf8)
        // Never wait: a notify socket nobody reads must not stall the daemon.
        let sent = address.withSockaddr { sa, length in
            bytes.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT), sa, length) }
        }
        return sent == bytes.count
    }

    public func ready(status: String) { notify("READY=1\nSTATUS=\(status)") }
    public func status(_ line: String) { notify("STATUS=\(line)") }
    public func stopping(status: String) { notify("STOPPING=1\nSTATUS=\(status)") }
    public func reloading() { notify("RELOADING=1") }
    public func watchdog() { notify("WATCHDOG=1") }
}

/// Socket activation (sd_listen_fds(3)): the listening socket systemd passes as fd 3.
public enum SocketActivation {
    public static func listeningSocket(environment: [String: String] = ProcessInfo.processInfo.environment) -> Int32? {
        guard let pid = environment["LISTEN_PID"].flatMap(Int32.init), pid == getpid(),
              let count = environment["LISTEN_FDS"].flatMap(Int.init), count >= 1 else { return nil }
        // The variables are for this process only; children must not see them.
        unsetenv("LISTEN_PID")
        unsetenv("LISTEN_FDS")
        unsetenv("LISTEN_FDNAMES")
        return 3
    }
}
