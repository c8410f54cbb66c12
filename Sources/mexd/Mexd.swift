import ArgumentParser
import CFFmpeg
import Logging
import MexVision

@main
struct Mexd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mexd",
        abstract: "Spot and classify facial micro-expressions in live or recorded video.",
        version: "0.1.0",
        subcommands: [ScanCommand.self, ClassifyCommand.self, EvalCommand.self, DevicesCommand.self, CheckConfigCommand.self,
                      RunCommand.self, WatchCommand.self, EventsCommand.self])
}

/// Options every command shares.
struct GlobalOptions: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Also log FFmpeg's and mexd's debug messages.")
    var verbose = false

    @Flag(name: .shortAndLong, help: "Log errors only.")
    var quiet = false

    /// A logger writing to stderr. FFmpeg's own logging and OpenCV's worker threads are
    /// process-wide, so they are set here, by the executable, and never by the libraries.
    func makeLogger(level configured: Logger.Level? = nil) -> Logger {
        let level: Logger.Level = verbose ? .debug : (quiet ? .error : (configured ?? .info))
        av_log_set_level(verbose ? AV_LOG_WARNING : AV_LOG_QUIET)
        VisionThreads.runOnCallingThread()
        return Logger(label: "mexd") { _ in StderrLogHandler(level: level) }
    }
}
