import Foundation
import MexTestSupport
import Testing

/// A free TCP port on the loopback interface.
private func freePort() -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return UInt16(bigEndian: address.sin_port)
}

@Suite(.serialized) struct LiveStreamTests {
    @Test func refusedNetworkSourceExits69() throws {
        let run = try MexdRun("scan", "rtsp://127.0.0.1:\(freePort())/stream")
        #expect(run.status == 69)
        #expect(run.stderr.contains("cannot open"))
    }

    /// ffmpeg serves the test video over HTTP in real time (-re); mexd reads it live
    /// and SIGINT ends the scan cleanly, with its EOF record.
    @Test func sigintEndsALiveScanWithItsEOFRecord() throws {
        let port = freePort()
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = ["ffmpeg", "-nostdin", "-v", "error", "-re", "-i", TestVideos.h264TS.path,
                            "-c", "copy", "-f", "mpegts", "-listen", "1", "http://127.0.0.1:\(port)/live.ts"]
        try server.run()
        defer { server.terminate(); server.waitUntilExit() }
        Thread.sleep(forTimeInterval: 0.5)

        let process = Process()
        process.executableURL = MexdRun.executable
        process.arguments = ["scan", "--frames", "http://127.0.0.1:\(port)/live.ts"]
        let outFile = TestVideos.folder.appendingPathComponent("live-\(port).jsonl")
        FileManager.default.createFile(atPath: outFile.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: outFile)
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Stop about 1.5 s into the stream, counted from its SOURCE record (written at
        // once, unlike a file source's FRAME records) rather than from the launch: on a
        // loaded machine starting a debug binary takes a while.
        let launched = Date()
        while Date().timeIntervalSince(launched) < 30,
              !((try? String(contentsOf: outFile, encoding: .utf8))?.contains(#""class":"SOURCE""#) ?? false) {
            Thread.sleep(forTimeInterval: 0.05)
        }
        Thread.sleep(forTimeInterval: 1.5)
        let stoppedAt = Date()
        process.interrupt()
        process.waitUntilExit()
        let data = (try? Data(contentsOf: outFile)) ?? Data()
        #expect(Date().timeIntervalSince(stoppedAt) < 3, "a stop is prompt")
        #expect(process.terminationStatus == 0)
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
        let eof = try #require(lines.last.flatMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] })
        #expect(eof["class"] as? String == "EOF")
        #expect(eof["end"] as? String == "stopped")
        let frames = eof["frames"] as? Int ?? 0
        // About 1.5 s of a real-time 30 fps stream: well short of the 300 frames.
        #expect(frames > 10 && frames < 250, "\(frames) frames")
        #expect(lines.filter { $0.contains("\"class\":\"FRAME\"") }.count == frames)
    }
}
