import Foundation
import Testing
@testable import MexDaemon

@Suite struct SystemdNotifierTests {
    private func receiver(_ name: [UInt8]) -> (fd: Int32, length: socklen_t) {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: name) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + name.count + (name.first == 0 ? 0 : 1))
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        var tv = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        return (fd, length)
    }

    private func receive(_ fd: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 1024)
        let n = recv(fd, &buffer, buffer.count, 0)
        return n > 0 ? String(decoding: buffer[..<n], as: UTF8.self) : ""
    }

    @Test func notifiesAPathSocket() {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString.prefix(8))").path
        let (fd, _) = receiver(Array(path.utf8))
        defer { close(fd); unlink(path) }
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": path])
        notifier.ready(status: "up")
        #expect(receive(fd) == "READY=1\nSTATUS=up")
    }

    @Test func notifiesAnAbstractSocket() {
        let name = "mexd-test-\(UUID().uuidString.prefix(8))"
        let (fd, _) = receiver([0] + Array(name.utf8))
        defer { close(fd) }
        SystemdNotifier(environment: ["NOTIFY_SOCKET": "@" + name]).watchdog()
        #expect(receive(fd) == "WATCHDOG=1")
    }

    @Test func withoutASocketItIsANoOpAndTheWatchdogFollowsItsPid() {
        let none = SystemdNotifier(environment: [:])
        #expect(!none.isActive)
        #expect(!none.notify("READY=1"))
        #expect(SystemdNotifier(environment: ["WATCHDOG_USEC": "30000000"]).watchdogInterval == .seconds(30))
        #expect(SystemdNotifier(environment: ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"]).watchdogInterval == nil)
    }

    @Test func socketActivationIsForThisProcessOnly() {
        #expect(SocketActivation.listeningSocket(environment: ["LISTEN_PID": "1", "LISTEN_FDS": "1"]) == nil)
        #expect(SocketActivation.listeningSocket(environment: ["LISTEN_PID": "\(getpid())", "LISTEN_FDS": "1"]) == 3)
        #expect(SocketActivation.listeningSocket(environment: ["LISTEN_PID": "\(getpid())", "LISTEN_FDS": "0"]) == nil)
    }
}
