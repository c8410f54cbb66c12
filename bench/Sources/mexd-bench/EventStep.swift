import ArgumentParser
import Foundation
import Logging
import MexClassify
import MexConfig
import MexCore
import MexFace
import MexMotion
import MexPipeline
import MexSource
import MexVision

/// The per-event step (key-frame registration, two TV-L1 flows, the tensor and the
/// network) under several preprocessing settings, on every event the pipeline spots in
/// the given videos: each setting's labels and scores against the baseline's (the
/// first setting), and the process CPU time of each event's step (bench/event-step).
struct EventStep: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "event-step",
        discussion: """
            A setting is NAME=SPEC, SPEC a comma-separated list of: unbounded (OpenCV's \
            TV-L1 defaults, the start of every setting), reg (register the apex and offset \
            onto the onset; reg-passes=N, reg-above=PX), scales=N, warps=N, inner=N, \
            outer=N, eps=X, median=N, step=X, card (the model card's own preprocessing).
            """)

    @Option(help: "ONNX model with its card beside it.") var model: String
    @Option(name: .customLong("video"), help: "A video to spot events in (repeatable).") var videos: [String] = []
    @Option(name: .customLong("setting"), help: "NAME=SPEC (repeatable); the first is the baseline.") var settings: [String]
    @Option(help: "Key frames to classify as well, one interval per row (bench/spotting/real-clips.csv's columns: clip, onset, apex, offset, kind; neutral-span rows are skipped); the clips are in --clips.")
    var annotations: String?
    @Option(help: "Folder of the clips --annotations names.") var clips: String?
    @Option(help: "Write one JSON line per event here.") var out: String?
    @Option(help: "Times each event's step is run per setting; the CPU time reported is their median.") var repeats = 1

    struct Setting {
        var name: String
        var preprocessing: ClassifierInput.Preprocessing
    }

    static func parse(_ text: String, card: ModelCard.Preprocessing?) throws -> Setting {
        guard let eq = text.firstIndex(of: "=") else { throw ValidationError("setting '\(text)': expected NAME=SPEC") }
        let name = String(text[..<eq])
        var p = ClassifierInput.Preprocessing(card: card)
        p.tvl1 = .openCVDefaults
        p.registration = nil
        var registration = KeyFrameRegistration()
        var registered = false
        for item in text[text.index(after: eq)...].split(separator: ",").map(String.init) {
            let kv = item.split(separator: "=", maxSplits: 1).map(String.init)
            let value = kv.count == 2 ? kv[1] : ""
            func int() throws -> Int {
                guard let v = Int(value) else { throw ValidationError("setting '\(text)': '\(item)' needs an integer") }
                return v
            }
            func double() throws -> Double {
                guard let v = Double(value) else { throw ValidationError("setting '\(text)': '\(item)' needs a number") }
                return v
            }
            switch kv[0] {
            case "unbounded": p.tvl1 = .openCVDefaults
            case "card":
                p = ClassifierInput.Preprocessing(card: card)
                registered = p.registration != nil
                if let r = p.registration { registration = r }
            case "reg": registered = true
            case "reg-passes": registered = true; registration.passes = try int()
            case "reg-above": registered = true; registration.warpAbove = try double()
            case "scales": p.tvl1.scales = try int()
            case "warps": p.tvl1.warps = try int()
            case "inner": p.tvl1.innerIterations = try int()
            case "outer": p.tvl1.outerIterations = try int()
            case "eps": p.tvl1.epsilon = try double()
            case "median": p.tvl1.medianFiltering = try int()
            case "step": p.tvl1.scaleStep = try double()
            default: throw ValidationError("setting '\(text)': unknown item '\(item)'")
            }
        }
        p.registration = registered ? registration : nil
        return Setting(name: name, preprocessing: p)
    }

    /// CPU seconds of the whole process (OpenCV's worker threads included).
    static func cpuSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// One event's key frames: spotted by the pipeline, or an annotated interval.
    struct Event {
        var video: String
        var source: String
        var track: Int
        var frames: (onset: Int, apex: Int, offset: Int)
        var onset: GrayImage, apex: GrayImage, offset: GrayImage
    }

    struct Outcome {
        var label: String
        var probabilities: [Double]
        var cpu: Double
    }

    func run() throws {
        let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        let classifier = try Classifier(modelPath: model)
        let parsed = try settings.map { try Self.parse($0, card: classifier.card.preprocessing) }
        guard parsed.count >= 1 else { throw ValidationError("give at least one --setting") }
        let detector = try HaarFaceDetector()
        let spotter = try spotterSettings([])
        var events: [Event] = []
        for video in videos {
            let reader = try FFmpegVideoReader(location: video, logger: logger)
            let pipeline = try FacePipeline(source: video, fps: reader.info.fps ?? 30, detector: detector, spotter: spotter)
            var found: [EventCandidate] = []
            while let frame = try reader.nextFrame() { found += try pipeline.process(frame) }
            found += pipeline.finish()
            FileHandle.standardError.write(Data("event-step: \(video): \(found.count) events\n".utf8))
            events += found.map {
                Event(video: video, source: "spotted:\($0.interval.kind.rawValue)", track: $0.trackID,
                      frames: ($0.onset.frame, $0.apex.frame, $0.offset.frame), onset: $0.onset.crop, apex: $0.apex.crop, offset: $0.offset.crop)
            }
        }
        if let annotations {
            events += try annotatedEvents(annotations, clips: clips ?? ".", detector: detector, logger: logger)
        }
        guard let first = events.first else { throw ValidationError("no events in the videos") }
        // Warm-up: OpenCV's first TV-L1 and DNN calls allocate and load.
        for s in parsed {
            let input = try ClassifierInput.forEvent(onset: first.onset, apex: first.apex, offset: first.offset, preprocessing: s.preprocessing)
            _ = try classifier.classify(input)
        }
        let reference = KeyFrameRegistration()
        var outcomes: [[Outcome]] = []   // event -> setting
        var headMotion: [Double] = []    // event -> largest of apex and offset head motion
        var lines: [String] = []
        for c in events {
            var row: [Outcome] = []
            for s in parsed {
                var cpu: [Double] = []
                var result: Classification?
                for _ in 0..<max(1, repeats) {
                    let start = Self.cpuSeconds()
                    let input = try ClassifierInput.forEvent(onset: c.onset, apex: c.apex, offset: c.offset, preprocessing: s.preprocessing)
                    result = try classifier.classify(input)
                    cpu.append(Self.cpuSeconds() - start)
                }
                row.append(Outcome(label: result!.label, probabilities: result!.probabilities.map { Double($0) }, cpu: median(cpu)))
            }
            // How far the head moved from the onset, as the registration measures it.
            let onset = try ClassifierInput.jpeg(c.onset)
            let motion = try [c.apex, c.offset].map { try reference.align(try ClassifierInput.jpeg($0), onto: onset) }
            let largest = motion.map { $0.warped ? $0.head.largestMotion(side: ClassifierInput.faceSide) : 0 }.max() ?? 0
            headMotion.append(largest)
            outcomes.append(row)
            var fields = ["\"path\":\"\(c.video)\"", "\"video\":\"\((c.video as NSString).lastPathComponent)\"", "\"track\":\(c.track)", "\"source\":\"\(c.source)\"",
                          "\"onset\":\(c.frames.onset)", "\"apex\":\(c.frames.apex)", "\"offset\":\(c.frames.offset)",
                          String(format: "\"head_motion\":%.3f", largest)]
            for (s, o) in zip(parsed, row) {
                let probs = o.probabilities.map { String(format: "%.5f", $0) }.joined(separator: ",")
                fields.append("\"\(s.name)\":{\"label\":\"\(o.label)\",\"p\":[\(probs)],\"cpu\":\(String(format: "%.4f", o.cpu))}")
            }
            lines.append("{" + fields.joined(separator: ",") + "}")
        }
        if let out { try (lines.joined(separator: "\n") + "\n").write(toFile: out, atomically: true, encoding: .utf8) }

        let moving = headMotion.map { $0 > 0 }
        print("bench/event-step: \(events.count) events in \(videos.count) videos, \(moving.filter { $0 }.count) with head motion over \(reference.warpAbove) px; baseline \(parsed[0].name)")
        print("setting                          agree   (head motion)  max |dp|   CPU s/event p50   p95    max   p50 vs baseline")
        let baseCPU = median(outcomes.map { $0[0].cpu })
        for (k, s) in parsed.enumerated() {
            var agree = 0, agreeMoving = 0, maxDiff = 0.0
            for (i, row) in outcomes.enumerated() {
                let same = row[k].label == row[0].label
                if same { agree += 1; if moving[i] { agreeMoving += 1 } }
                for (a, b) in zip(row[k].probabilities, row[0].probabilities) { maxDiff = max(maxDiff, abs(a - b)) }
            }
            let cpu = outcomes.map { $0[k].cpu }.sorted()
            let p95 = cpu[min(cpu.count - 1, Int((0.95 * Double(cpu.count)).rounded(.up)) - 1)]
            let movingCount = moving.filter { $0 }.count
            print(s.name.padding(toLength: 32, withPad: " ", startingAt: 0)
                  + String(format: "%5.1f%%  %3d/%-3d       %6.3f     %13.3f  %6.3f %6.3f   %5.2fx",
                           100 * Double(agree) / Double(outcomes.count), agreeMoving, movingCount, maxDiff,
                           median(cpu), p95, cpu.last!, median(cpu) / baseCPU))
        }
    }

    /// Annotated intervals as `mexd classify` crops them: the largest face tracked at the
    /// onset, its box the Haar detection at full resolution on the onset frame (the track's
    /// own box when none overlaps), one box for the three key frames.
    func annotatedEvents(_ path: String, clips: String, detector: HaarFaceDetector, logger: Logger) throws -> [Event] {
        let rows = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").dropFirst().map { $0.split(separator: ",", maxSplits: 5).map(String.init) }
        var byClip: [String: [(onset: Int, apex: Int, offset: Int, kind: String)]] = [:]
        for row in rows where row.count >= 5 && row[4] != "neutral-span" {
            guard let onset = Int(row[1]), let apex = Int(row[2]), let offset = Int(row[3]), onset < apex, apex < offset else { continue }
            byClip[row[0], default: []].append((onset, apex, offset, row[4]))
        }
        var result: [Event] = []
        for clip in byClip.keys.sorted() {
            let video = "\(clips)/\(clip)"
            guard FileManager.default.fileExists(atPath: video) else { throw ValidationError("\(video): no such clip") }
            let reader = try FFmpegVideoReader(location: video, logger: logger)
            var frames: [Frame] = []
            while let frame = try reader.nextFrame() { frames.append(frame) }
            var found = 0
            for interval in byClip[clip]! where interval.offset < frames.count {
                // The tracker settles over the second before the onset, as in `mexd classify`.
                let tracker = FaceTracker(detector: detector, fps: reader.info.fps ?? 30)
                let warmUp = max(0, interval.onset - Int((reader.info.fps ?? 30).rounded()))
                var faces: [TrackedFace] = []
                for frame in frames[warmUp...interval.onset] { faces = try tracker.update(frame) }
                guard let face = faces.filter(\.visible).max(by: { $0.box.area < $1.box.area }) else { continue }
                let onsetFrame = frames[interval.onset]
                let full = (try? detector.detect(in: onsetFrame.image, minSize: 48)) ?? []
                let box = full.max { $0.box.iou(face.box) < $1.box.iou(face.box) }.flatMap { $0.box.iou(face.box) > 0.3 ? $0.box : nil } ?? face.box
                func crop(_ index: Int) throws -> GrayImage { try frames[index].image.crop(box, size: ClassifierInput.faceSide) }
                result.append(Event(video: video, source: "annotated:\(interval.kind)", track: face.trackID,
                                    frames: (interval.onset, interval.apex, interval.offset),
                                    onset: try crop(interval.onset), apex: try crop(interval.apex), offset: try crop(interval.offset)))
                found += 1
            }
            FileHandle.standardError.write(Data("event-step: \(video): \(found) annotated intervals with a face\n".utf8))
        }
        return result
    }
}
