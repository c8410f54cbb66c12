import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One Chromium process: its stderr collected for error messages, every wait bounded
/// by one deadline, and the process killed when it passes (or when this is released).
///
/// With `devToolsPipe`, Chromium gets --remote-debugging-pipe, which reads protocol
/// messages on descriptor 3 and writes its own on descriptor 4. Foundation's Process
/// hands a child only descriptors 0-2, so a shell moves the stdin and stdout pipes to
/// 3 and 4 before it becomes Chromium (exec, so the process is Chromium's).
final class ChromiumProcess {
    private let process = Process()
    private let stderrPipe = Pipe()
    private let commandPipe = Pipe()
    private let replyPipe = Pipe()
    private var stderrOpen = true
    private var stderrBytes: [UInt8] = []
    private let timeout: Duration
    private let deadline: ContinuousClock.Instant

    init(executable: String, arguments: [String], devToolsPipe: Bool, timeout: Duration) throws(ChromiumError) {
        self.timeout = timeout
        deadline = .now + timeout
        if devToolsPipe {
            // A write to the pipe after Chromium died must fail with EPIPE, not kill the tests.
            signal(SIGPIPE, SIG_IGN)
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", #"exec "$0" "$@" 3<&0 4>&1 </dev/null >/dev/null"#, executable]
                + arguments + ["--remote-debugging-pipe"]
            process.standardInput = commandPipe
            process.standardOutput = replyPipe
        } else {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
        }
        process.standardError = stderrPipe
        do {
            try process.run()
        } catch {
            throw .failed("cannot start \(executable): \(error)", stderrTail: "")
        }
        // Our copies of the child's ends, so that end of file shows when Chromium exits.
        try? commandPipe.fileHandleForReading.close()
        try? replyPipe.fileHandleForWriting.close()
    }

    deinit { kill() }

    /// The last lines Chromium wrote to stderr, without its complaints about the
    /// missing D-Bus (a container has none; they say nothing about the page).
    var stderrTail: String {
        let lines = String(decoding: stderrBytes, as: UTF8.self).split(separator: "\n")
        return lines.filter { !$0.contains("dbus") }.suffix(20).joined(separator: "\n")
    }

    /// Writes all of `bytes` to Chromium's DevTools pipe.
    func send(_ bytes: [UInt8]) throws(ChromiumError) {
        let fd = commandPipe.fileHandleForWriting.fileDescriptor
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw .failed("the DevTools pipe is closed (errno \(errno))", stderrTail: stderrTail) }
            sent += n
        }
    }

    /// The next bytes Chromium writes on its DevTools pipe; empty once it has closed it.
    func receive() throws(ChromiumError) -> [UInt8] {
        let fd = replyPipe.fileHandleForReading.fileDescriptor
        while true {
            if try awaitInput(from: fd, atMost: .seconds(1)) { return readChunk(fd) }
        }
    }

    /// Waits for Chromium to exit and returns its exit status.
    @discardableResult
    func waitForExit() throws(ChromiumError) -> Int32 {
        while process.isRunning { _ = try awaitInput(from: nil, atMost: .milliseconds(20)) }
        _ = try? awaitInput(from: nil, atMost: .milliseconds(20))  // stderr's last lines
        // A signal's number as a shell reports it: 128 + N.
        return process.terminationReason == .exit ? process.terminationStatus : 128 + process.terminationStatus
    }

    /// "exited with status N" once Chromium has exited (waiting up to a second for
    /// it), or "still running".
    func exitNote() -> String {
        let end = ContinuousClock.now + .seconds(1)
        while process.isRunning && ContinuousClock.now < end { usleep(10_000) }
        guard !process.isRunning else { return "still running" }
        return process.terminationReason == .exit
            ? "exited with status \(process.terminationStatus)" : "killed by signal \(process.terminationStatus)"
    }

    /// Ends Chromium: SIGTERM, and SIGKILL if it is still there a second later.
    func kill() {
        guard process.isRunning else { return }
        process.terminate()
        let end = ContinuousClock.now + .seconds(1)
        while process.isRunning && ContinuousClock.now < end { usleep(10_000) }
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
    }

    /// Waits up to `wait`, and never past the deadline, for input on `fd` (if any) or on
    /// stderr, collecting stderr's. Returns whether `fd` can be read.
    private func awaitInput(from fd: Int32?, atMost wait: Duration) throws(ChromiumError) -> Bool {
        let now = ContinuousClock.now
        guard now < deadline else {
            kill()
            throw .timedOut(after: timeout, stderrTail: stderrTail)
        }
        let milliseconds = Int32((min(wait, deadline - now) / .milliseconds(1)).rounded(.up))
        let stderrFD = stderrPipe.fileHandleForReading.fileDescriptor
        var watched: [pollfd] = []
        if stderrOpen { watched.append(pollfd(fd: stderrFD, events: Int16(POLLIN), revents: 0)) }
        if let fd { watched.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0)) }
        guard !watched.isEmpty else {
            usleep(UInt32(milliseconds) * 1000)
            return false
        }
        guard poll(&watched, nfds_t(watched.count), milliseconds) > 0 else { return false }
        if stderrOpen && watched[0].revents != 0 {
            let chunk = readChunk(stderrFD)
            if chunk.isEmpty { stderrOpen = false }
            stderrBytes = Array((stderrBytes + chunk).suffix(65_536))
        }
        return fd != nil && watched[watched.count - 1].revents != 0
    }

    /// What one read(2) returns: up to 64 KiB, empty at end of file.
    private func readChunk(_ fd: Int32) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            return n > 0 ? Array(buffer[..<n]) : []
        }
    }
}
