import ArgumentParser
import Foundation
import Logging
import MexConfig
import MexCore
import MexEvaluation
import MexFace
import MexMotion
import MexPipeline
import MexSource
import MexSpotting
import MexVision

/// The causal spotter as mexd runs it against the offline one (centred smoothing,
/// whole-video threshold) on the same motion scores, both scored with MEGC F1 against
/// annotations: the price of causality. Also the causal spotter's emit latency.
struct SpottingComparison: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "spotting")

    @Option(help: "Folder with videos/ and annotations.csv (python -m mextrain.synth output).") var data: String
    @Option(help: "Only videos whose name contains this.") var filter: String?
    @Flag(help: "Print each annotation's best match and each unmatched event.") var verbose = false
    @Option(help: "DIS preset of the motion score: 0 ultrafast, 1 fast, 2 medium.") var preset: Int32 = 1
    @Option(help: "Spotter settings to try, as key=value with mexd.toml's [spotter] keys and values (\(ConfigSchema.spotter.joined(separator: ", "))).")
    var set: [String] = []

    @Option(help: "DIS finest pyramid level of the motion score (default: the preset's).") var finest: Int?
    @Option(help: "Local face search every this many frames (default: the tracker's).") var searchEvery: Int?

    func settings() throws -> SpotterSettings { try spotterSettings(set) }
    func validate() throws { _ = try settings() }
    var flowMethod: DenseOpticalFlow.Method { .dis(DenseOpticalFlow.Preset(rawValue: preset) ?? .fast, finestScale: finest) }

    func run() throws {
        let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        let truth = try EvaluationFiles.readAnnotations(data + "/annotations.csv")
        // Every video in the folder: those without annotations (neutral) count false events.
        let files = (try? FileManager.default.contentsOfDirectory(atPath: data + "/videos"))?.filter { $0.hasSuffix(".mp4") } ?? []
        let videos = Array(Set(truth.map(\.video) + files)).sorted().filter { filter == nil || $0.contains(filter!) }
        let detector = try HaarFaceDetector()
        var causal: [SpottedExpression] = [], offline: [SpottedExpression] = []
        var totalFrames = 0
        var latencies: [(kind: SpottedInterval.Kind, fps: Double, seconds: Double, apexError: Int)] = []
        for video in videos {
            let reader = try FFmpegVideoReader(location: "\(data)/videos/\(video)", logger: logger)
            let fps = reader.info.fps ?? 30
            let spotter = try settings()
            var tracking = FaceTracker.Options()
            if let searchEvery { tracking.searchEvery = searchEvery }
            let pipeline = try FacePipeline(source: video, fps: fps, detector: detector, spotter: spotter,
                                            tracking: tracking, flow: flowMethod)
            var scores: [Int: [Int: [Double]]] = [:]   // track -> frame -> region scores
            // track -> frame -> crop, for the offline displacement: under the track's first
            // box throughout, as the pipeline cuts an event's frames under one frozen box.
            var crops: [Int: [Int: GrayImage]] = [:]
            var cropBoxes: [Int: FaceBox] = [:]
            var frames = 0
            var events: [EventCandidate] = []
            while let frame = try reader.nextFrame() {
                events += try pipeline.process(frame)
                for o in pipeline.lastObservations {
                    if let m = o.motion { scores[o.face.trackID, default: [:]][frame.index] = m.countedScores }
                    let box = cropBoxes[o.face.trackID] ?? o.face.box
                    cropBoxes[o.face.trackID] = box
                    crops[o.face.trackID, default: [:]][frame.index] = try MotionScorer.crop(frame.image, box: box)
                }
                frames += 1
            }
            events += pipeline.finish()
            totalFrames += Int(Double(frames) * 30 / fps)
            let gt = truth.filter { $0.video == video }
            for e in events {
                causal.append(SpottedExpression(video: video, interval: Interval(onset: e.onset.frame, offset: e.offset.frame),
                                                apex: e.apex.frame, kind: e.interval.kind == .macro ? .macro : .micro))
                if let match = gt.first(where: { $0.interval.iou(Interval(onset: e.onset.frame, offset: e.offset.frame)) >= 0.5 }),
                   let apex = match.apex {
                    let latency = Double(e.interval.decidedAt - apex) / fps
                    latencies.append((e.interval.kind, fps, latency, e.apex.frame - apex))
                    if verbose && latency > 1 {
                        print(String(format: "    late %d-%d %@: decided %.2f s after the apex", e.onset.frame, e.offset.frame,
                                     e.interval.kind.rawValue, latency))
                    }
                }
            }
            // Offline on the main track's scores (missing frames count as still).
            if let (track, main) = scores.max(by: { $0.value.count < $1.value.count }) {
                let series = (0..<frames).map { main[$0] ?? [] }
                let gap = pipeline.gap
                let faces = crops[track] ?? [:]
                let scorer = try MotionScorer(flow: flowMethod)
                // The same displacement as the pipeline gives the causal spotter.
                let displacement = { (reference: Int, f: Int) -> [Double]? in
                    guard let a = faces[reference], let b = faces[f] else { return nil }
                    return try? scorer.score(earlier: a, current: b).countedScores
                }
                for s in OfflineSpotter.spot(regionScores: series, fps: fps, gap: gap, settings: spotter, displacement: displacement) {
                    offline.append(SpottedExpression(video: video, interval: Interval(onset: s.onset, offset: s.offset),
                                                     kind: s.kind == .macro ? .macro : .micro))
                }
            }
            let found = SpottingEvaluation.evaluate(truth: gt, predictions: causal.filter { $0.video == video })
            if verbose {
                let mine = causal.filter { $0.video == video }
                for g in gt {
                    let best = mine.max { g.interval.iou($0.interval) < g.interval.iou($1.interval) }
                    print("    truth \(g.interval.onset)-\(g.interval.offset) \(g.kind)  best \(best.map { "\($0.interval.onset)-\($0.interval.offset) \($0.kind) IoU " + String(format: "%.2f", g.interval.iou($0.interval)) } ?? "none")")
                }
                for p in mine where !gt.contains(where: { $0.interval.iou(p.interval) >= 0.5 }) {
                    print("    false \(p.interval.onset)-\(p.interval.offset) \(p.kind)")
                }
            }
            print("  \(video): \(gt.count) annotated, \(causal.filter { $0.video == video }.count) spotted, TP \(found.overall.truePositives)")
        }
        let c = SpottingEvaluation.evaluate(truth: truth.filter { videos.contains($0.video) }, predictions: causal)
        let o = SpottingEvaluation.evaluate(truth: truth.filter { videos.contains($0.video) }, predictions: offline)
        let minutes = Double(totalFrames) / (30 * 60)
        print(String(format: "  %d frames; causal events per minute outside annotations: %.2f (at 30 fps frames)", totalFrames,
                     Double(c.overall.falsePositives) / max(minutes, 1e-9)))
        print("spotting on \(videos.count) videos (F1 at IoU >= 0.5)          micro   macro overall")
        print(String(format: "  causal (mexd)                                  %.3f   %.3f   %.3f", c.micro.f1, c.macro.f1, c.overall.f1))
        print(String(format: "  offline (centred smoothing, whole-video T)     %.3f   %.3f   %.3f", o.micro.f1, o.macro.f1, o.overall.f1))
        print("  causal counts: micro \(c.micro), macro \(c.macro)")
        // Per kind, over all frame rates and then per frame rate (the latency budget is
        // set at 30 fps: docs/ARCHITECTURE.md section 10).
        let rates = Set(latencies.map(\.fps)).sorted()
        for kind in [SpottedInterval.Kind.micro, .macro] {
            for rate in [nil] + (rates.count > 1 ? rates.map(Optional.some) : []) {
                let chosen = latencies.filter { $0.kind == kind && (rate == nil || $0.fps == rate) }
                let l = chosen.map(\.seconds).sorted()
                guard !l.isEmpty else { continue }
                let p95 = l[min(l.count - 1, Int((0.95 * Double(l.count)).rounded(.up)) - 1)]
                let apexErrors = chosen.map { abs($0.apexError) }.sorted()
                let at = rate.map { String(format: " at %g fps", $0) } ?? ""
                print("  \(kind.rawValue) emit latency after the apex\(at): " + String(format: "p50 %.2f s, p95 %.2f s (n %d); apex error median %d frames",
                             l[l.count / 2], p95, l.count, apexErrors[apexErrors.count / 2]))
            }
        }
    }
}

/// Spotter settings from key=value pairs (`--set`), over the defaults: mexd.toml's
/// [spotter] keys, each value read and range-checked as the configuration file's would be.
/// A key may also be written as the settings field it sets (flowSpan for flow_span).
func spotterSettings(_ items: [String]) throws -> SpotterSettings {
    do {
        return try ConfigSchema.spotterSettings(assigning: items.map(snakeCaseKey))
    } catch {
        throw ValidationError(error.description)
    }
}

/// `flowSpan=0.3` as `flow_span=0.3`.
private func snakeCaseKey(_ item: String) -> String {
    guard let equals = item.firstIndex(of: "=") else { return item }
    let key = item[..<equals].map { $0.isUppercase ? "_" + $0.lowercased() : String($0) }.joined()
    return key + item[equals...]
}

/// Per-frame trace of one video through the pipeline, for tuning: frame, score,
/// threshold, run state, displacement, blink, and the events.
struct SpottingTrace: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "trace")
    @Argument var video: String
    @Option var from = 0
    @Option var to = Int.max
    @Option(help: "Spotter settings to try, as key=value (as spotting --set).") var set: [String] = []

    func validate() throws { _ = try spotterSettings(set) }

    func run() throws {
        let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        let reader = try FFmpegVideoReader(location: video, logger: logger)
        let spotter = try spotterSettings(set)
        let pipeline = try FacePipeline(source: video, fps: reader.info.fps ?? 30, detector: try HaarFaceDetector(), spotter: spotter)
        while let frame = try reader.nextFrame() {
            let events = try pipeline.process(frame)
            if frame.index >= from && frame.index <= to {
                for o in pipeline.lastObservations {
                    let run = o.inRun ? "RUN\(o.reference ?? -1)" : "   "
                    let d = o.displacement.map { String(format: "%.3f", $0) } ?? "  -  "
                    let blink = o.motion?.blink == true ? "BLINK " : ""
                    let talk = (o.speaking ? "SPEECH " : "") + String(format: "mouth %+.3f/%.3f ", o.motion?.mouthMotion ?? 0, o.speechLevel)
                    let regions = o.motion.map { $0.score > 0.3 ? $0.regionScores.map { String(format: "%.2f", $0) }.joined(separator: " ") : "" } ?? ""
                    print(String(format: "%5d t%d score %.3f T %.3f head %.2f ", frame.index, o.face.trackID, o.score ?? -1, o.threshold, o.motion?.headMotion ?? 0)
                          + "\(run) disp \(d) \(talk)\(blink)\(regions)")
                }
            }
            for e in events { print("EVENT onset \(e.onset.frame) apex \(e.apex.frame) offset \(e.offset.frame) \(e.interval.kind) decided \(e.interval.decidedAt)") }
        }
        if pipeline.lostEvents > 0 { print("LOST \(pipeline.lostEvents) events without key crops") }
        for e in pipeline.finish() { print("EVENT(end) onset \(e.onset.frame) apex \(e.apex.frame) offset \(e.offset.frame) \(e.interval.kind)") }
    }
}
