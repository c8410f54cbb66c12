import Foundation
import Testing

/// `mexd check-config` as a user runs it: the exit status and what goes where.
@Suite struct CheckConfigCommandTests {
    private static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    private func write(_ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("mexd-check-\(getpid())-\(UUID().uuidString).toml")
        try Data(text.utf8).write(to: url)
        return url
    }

    @Test func shippedExampleIsOK() throws {
        let path = Self.repository.appendingPathComponent("Config/mexd.toml").path
        let run = try MexdRun("check-config", "-c", path)
        #expect(run.status == 0)
        #expect(run.stdout == "\(path): OK, 1 source (cam0 v4l2)\n")
        #expect(run.stderr.isEmpty)
    }

    @Test func errorsGoToStderrWithTheirLinesAndExit78() throws {
        let file = try write("""
            [daemon]
            log_level = "loud"
            [sources.cam0]
            kind = "v4l2"
            device = "/dev/video0"
            fps = -5
            """)
        defer { try? FileManager.default.removeItem(at: file) }
        let run = try MexdRun("check-config", "--config", file.path)
        #expect(run.status == 78)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr == """
            \(file.path):2: daemon.log_level: expected one of trace, debug, info, notice, warning, error, critical, got "loud"
            \(file.path):6: sources.cam0.fps: expected a positive number up to 1000, got -5
            \(file.path): 2 errors

            """)
    }

    @Test func syntaxErrorExits78() throws {
        let file = try write("[daemon\n")
        defer { try? FileManager.default.removeItem(at: file) }
        let run = try MexdRun("check-config", "-c", file.path)
        #expect(run.status == 78)
        #expect(run.stderr.hasPrefix("\(file.path):1:"))
    }

    @Test func missingFileExits66() throws {
        let run = try MexdRun("check-config", "-c", "/nonexistent/mexd.toml")
        #expect(run.status == 66)
        #expect(run.stderr == "/nonexistent/mexd.toml: no such configuration file\n")
    }

    @Test func warningsKeepExit0AndPrintShowsTheEffectiveConfiguration() throws {
        let file = try write("[defaults]\nfps = 15\n[sources.a]\nkind = \"v4l2\"\ndevice = \"/dev/video0\"\nenabled = false\n")
        defer { try? FileManager.default.removeItem(at: file) }
        let run = try MexdRun("check-config", "-c", file.path, "--print")
        #expect(run.status == 0)
        #expect(run.stdout.contains("[sources.a]\nkind = \"v4l2\"\ndevice = \"/dev/video0\"\nfps = 15.0\n"))
        #expect(run.stderr.contains("warning: sources: every source has enabled = false"))
        #expect(run.stderr.hasSuffix("\(file.path): OK, 1 source (a v4l2 disabled), 1 warning\n"))
    }
}
