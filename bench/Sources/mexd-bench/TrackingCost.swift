import ArgumentParser
import Foundation
import Logging
import MexCore
import MexFace
import MexSource
import MexVision

/// What finding faces costs and how soon it finds them: the tracker alone over each
/// video (decoded first, so that only the tracker's CPU time is counted), with the
/// full-frame searches it ran, how many the change gate asked for, and the first
/// frame with a face tracked. bench/live/no-face and bench/live/entry call it.
struct TrackingCost: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tracking")
    @Argument var videos: [String]
    @Option(help: "Seconds between full-frame searches while no face is tracked.") var idleInterval = FaceTracker.Options().idleDetectionInterval
    @Flag(help: "No change gate: search only at the idle interval.") var noGate = false
    @Flag(help: "Search the full frame on every frame while no face is tracked (the old behaviour).") var everyFrame = false
    @Option(help: "Stream seconds at which a face comes into view, for the time to its track.") var entry: Double?

    func run() throws {
        let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        print("video,frames,fps,searches,gated,tracker_cpu_ms_per_frame,first_track_frame,first_track_pts,time_to_track_s")
        for video in videos {
            let reader = try FFmpegVideoReader(location: video, logger: logger)
            let fps = reader.info.fps ?? 30
            var frames: [Frame] = []
            while let frame = try reader.nextFrame() { frames.append(frame) }
            var options = FaceTracker.Options()
            options.idleDetectionInterval = everyFrame ? 1 / fps : idleInterval
            if noGate || everyFrame { options.changeGate = nil }
            let tracker = FaceTracker(detector: try HaarFaceDetector(), fps: fps, options: options)
            var first: Frame?
            let start = processCPUSeconds()
            for frame in frames {
                let faces = try tracker.update(frame)
                if first == nil, !faces.isEmpty, frame.pts >= (entry ?? 0) { first = frame }
            }
            let cpu = processCPUSeconds() - start
            let name = (video as NSString).lastPathComponent
            let wait = first.flatMap { f in entry.map { f.pts - $0 } }
            print([name, "\(frames.count)", String(format: "%.2f", fps), "\(tracker.fullSearches.total)", "\(tracker.fullSearches.gated)",
                   String(format: "%.3f", cpu * 1000 / Double(max(1, frames.count))),
                   first.map { "\($0.index)" } ?? "", first.map { String(format: "%.3f", $0.pts) } ?? "",
                   wait.map { String(format: "%.3f", $0) } ?? ""].joined(separator: ","))
        }
    }
}

/// CPU time of the whole process: OpenCV's detector spreads over worker threads.
func processCPUSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}
