import MexClassify
import MexCore
import MexFace
import MexMotion
import MexSpotting
import MexVision

/// Faces, motion and spotting for one source (docs/ARCHITECTURE.md section 3): per
/// frame it tracks faces, scores each face's motion and feeds that face's apex
/// spotter; when a spotter closes an expression it returns an `EventCandidate` with
/// the key crops.
///
/// Not thread-safe: one per source, fed in frame order.
public final class FacePipeline {
    public let source: String
    public let fps: Double
    /// The motion score's span: round(settings.flowSpan x fps).
    public let gap: Int

    private let tracker: FaceTracker
    private let detector: HaarFaceDetector
    /// Full frames kept: the flow's span, and back to an event's onset when its run opens
    /// (the smoothing span and the onset search margin), at a frame's memory each.
    private let keptFrames: Int
    private let scorer: MotionScorer
    /// The speech signal's flow, and its span in frames (`SpotterSettings.speechSpan`).
    private let mouth: MouthMotion
    private let speechGap: Int
    /// Every this many frames is scored (`SpotterSettings.scoreRate`); the frames
    /// between repeat the last score.
    public let scoreEvery: Int
    private let settings: SpotterSettings
    private var recentFrames: [Frame] = []
    private var tracks: [Int: TrackState] = [:]
    /// Spotters of tracks lost in the last `handOverFrames`, with their last box: a new
    /// track on the same face takes its noise levels over rather than learning them anew.
    private var retired: [(box: FaceBox, frame: Int, spotter: ApexSpotter)] = []
    private let handOverFrames: Int
    private let historyFrames: Int
    /// Seconds of scores each face keeps for its events' series: the series' lead
    /// before the onset plus the longest expression and the spotter's delay.
    private let seriesHorizon: Double

    /// What the last frame showed, per visible face: for FRAME records and analysis.
    public struct FaceObservation: Sendable {
        public var face: TrackedFace
        public var motion: MotionSample?
        /// The spotter's score of `motion` (regions equalised), which `threshold` is for.
        public var score: Double?
        public var threshold: Double
        /// Distance from the onset face while a run is open.
        public var displacement: Double?
        public var inRun: Bool = false
        public var reference: Int?
        /// The spotter's speech detector says the face is talking.
        public var speaking = false
        /// The head moved more than the spotter's `headMotionLimit` (or too fast to
        /// score): motion in these frames is the head's, not the face's.
        public var headMoving = false
        /// The speech detector's dead band (crop pixels), for traces.
        public var speechLevel = 0.0
    }
    public private(set) var lastObservations: [FaceObservation] = []
    /// Expressions spotted whose key crops were no longer held (diagnostics).
    public private(set) var lostEvents = 0
    /// Where frames were lost, for the events' dropped_frames.
    private var gaps: FrameGaps

    private struct TrackState {
        var spotter: ApexSpotter
        var lastBox: FaceBox?
        var crops: CropHistory
        var inRun = false
        /// The onset face of the open run, which later frames are compared with.
        var reference: Reference?
        /// The last frame a blink was seen on: the frames up to half the flow's span
        /// after it are treated as blinks too, so that the weaker ends of one blink do
        /// not count as motion.
        var lastBlink = Int.min / 2
        /// The last displacement measured in the open run.
        var lastDisplacement: [Double]?
        /// The last frame scored, and its motion, which the frames up to the next
        /// scored one repeat (`scoreEvery`).
        var lastScored = Int.min / 2
        var lastSample: MotionSample?
        /// The open run's key-frame box (a full-resolution detection on its onset frame,
        /// as Training/ crops its data) and the crops cut with it since the onset.
        var eventBox: FaceBox?
        var eventCrops: [Int: (pts: Double, crop: GrayImage)] = [:]
        /// The score around each event, for the journal's pictures.
        var series: EventSeriesRecorder
    }

    /// The face an open run is measured from: its frame's full image, so that it can be
    /// cut under each later frame's box (box jitter and the detector's scale steps are
    /// then not motion), and its own crop for when the image is gone.
    private struct Reference {
        var frame: Int
        var image: GrayImage?
        var crop: GrayImage

        /// The reference face cut under `box`.
        func face(under box: FaceBox) throws(VisionError) -> MotionScorer.EarlierFace {
            guard let image else { return MotionScorer.EarlierFace(crop: crop) }
            return try MotionScorer.EarlierFace(image: image, box: box)
        }
    }

    /// `flow` is the per-frame motion score's flow (`MotionScorer.defaultFlow`).
    public init(source: String, fps: Double, detector: HaarFaceDetector, spotter settings: SpotterSettings = SpotterSettings(),
                tracking: FaceTracker.Options = FaceTracker.Options(), flow: DenseOpticalFlow.Method = MotionScorer.defaultFlow) throws(VisionError) {
        self.source = source
        self.fps = fps
        self.settings = settings
        gap = max(1, Int((settings.flowSpan * fps).rounded()))
        handOverFrames = Int((2 * fps).rounded())
        self.detector = detector
        tracker = FaceTracker(detector: detector, fps: fps, options: tracking)
        scorer = try MotionScorer(flow: flow)
        mouth = try MouthMotion()
        speechGap = max(1, Int((settings.speechSpan * fps).rounded()))
        scoreEvery = max(1, Int((fps / settings.scoreRate).rounded(.down)))
        // Crops for the longest expression, the smoothing and look-ahead, and margins.
        keptFrames = max(gap + 1, speechGap + 1, Int(((settings.smoothing + settings.searchMargin + settings.onsetPreRoll + 0.1) * fps).rounded()) + gap + 2)
        gaps = FrameGaps(horizon: Int(((settings.macroMax + settings.lookAhead + 2 * settings.searchMargin + 1) * fps).rounded()))
        seriesHorizon = 2 + settings.macroMax + settings.lookAhead + 2 * settings.searchMargin + 1
        historyFrames = Int(((settings.macroMax + settings.smoothing + settings.lookAhead + 2 * settings.searchMargin + settings.onsetPreRoll + 0.5) * fps).rounded())
    }

    /// Score series of published events that are complete (`EventSeriesRecorder`):
    /// taken, and so emptied, by `takeCompletedSeries`.
    private var completedSeries: [(EventKey, MotionSeries)] = []

    /// The events' score series completed since the last call, each under its event's key.
    public func takeCompletedSeries() -> [(EventKey, MotionSeries)] {
        defer { completedSeries.removeAll() }
        return completedSeries
    }

    /// Processes one frame; returns the expressions that ended with it.
    public func process(_ frame: Frame) throws(VisionError) -> [EventCandidate] {
        gaps.note(frame.index)
        recentFrames.append(frame)
        if recentFrames.count > keptFrames { recentFrames.removeFirst(recentFrames.count - keptFrames) }
        let faces = try tracker.update(frame)
        var events: [EventCandidate] = []
        lastObservations.removeAll(keepingCapacity: true)
        let live = Set(faces.map(\.trackID))
        // A lost face ends its track; an expression under way is dropped with it, but its
        // spotter's noise levels are kept for a new track on the same face.
        retired.removeAll { frame.index - $0.frame > handOverFrames }
        for (id, var state) in tracks where !live.contains(id) {
            if let box = state.lastBox { retired.append((box, frame.index, state.spotter)) }
            state.series.finishAll()
            completedSeries += state.series.takeCompleted()
            tracks[id] = nil
        }

        // Briefly missed faces are still there (the detector blinked, not the face): they
        // keep being scored under their last box so that an expression in progress,
        // which can itself fool the detector, is not cut.
        for face in faces {
            // Taken out of the dictionary while it is changed, so that appending a crop
            // does not copy the whole crop history (copy-on-write: a second reference).
            var state = tracks.removeValue(forKey: face.trackID) ?? newTrack(face)
            defer { tracks[face.trackID] = state }
            state.lastBox = face.box
            let crop = try MotionScorer.crop(frame.image, box: face.box)
            state.crops.append(.init(frame: frame.index, pts: frame.pts, crop: crop, box: face.box, confidence: face.confidence))
            guard let earlierFrame = recentFrame(frame.index - gap) else {
                lastObservations.append(FaceObservation(face: face, motion: nil, threshold: state.spotter.threshold))
                continue
            }
            // Between scored frames (`scoreEvery`) the last score stands for this frame.
            let scored: Bool
            var sample: MotionSample
            if let last = state.lastSample, frame.index - state.lastScored < scoreEvery {
                scored = false
                sample = last
            } else {
                scored = true
                // Both crops under frame t's box: box jitter is not facial motion.
                let earlier = try MotionScorer.EarlierFace(image: earlierFrame.image, box: face.box)
                sample = try scorer.score(earlier: earlier, current: crop)
                if settings.detectSpeech, let earlierMouth = recentFrame(frame.index - speechGap),
                   let before = try MouthMotion.cut(earlierMouth.image, box: face.box), let now = try MouthMotion.cut(frame.image, box: face.box) {
                    sample.mouthMotion = try mouth.signal(earlier: before, current: now, head: sample.head, headSpan: Double(gap) / Double(speechGap))
                }
                if sample.blink { state.lastBlink = frame.index } else if frame.index - state.lastBlink <= gap / 2 { sample.blink = true }
                state.lastScored = frame.index
                state.lastSample = sample
            }
            // The head's flow moves the box on the frames the tracker does not search.
            let pixels = face.box.width / Double(MotionScorer.cropSide) / Double(gap)
            tracker.follow(face.trackID, dx: sample.headShiftX * pixels, dy: sample.headShiftY * pixels)
            // During a run: how far the face is from its onset face (a second DIS), both
            // cut under this frame's box; the registration takes out the head's motion
            // since the onset, so the box follows the head throughout.
            var displacement: [Double]?
            if let onset = state.spotter.referenceFrame {
                if state.reference?.frame != onset { state.reference = reference(onset, crops: state.crops) }
                if let reference = state.reference {
                    // A blink, a fast turn or a cut hides how far the face is from its
                    // onset face: their frames keep the last value.
                    if !scored || sample.blink || sample.fastHead || sample.cut, let last = state.lastDisplacement {
                        displacement = last
                    } else {
                        displacement = try scorer.score(earlier: try reference.face(under: face.box), current: crop).countedScores
                    }
                    state.lastDisplacement = displacement
                }
            } else {
                state.reference = nil
                state.lastDisplacement = nil
            }
            let score = state.spotter.combinedScore(sample.countedScores)
            state.series.note(.init(pts: frame.pts, score: score, threshold: state.spotter.threshold), horizon: seriesHorizon)
            completedSeries += state.series.takeCompleted()
            let closed = state.spotter.push(frame: frame.index, regions: sample.countedScores, headMotion: sample.headMotion,
                                            mouthMotion: sample.mouthMotion, displacement: displacement)
            // A run that opened on this frame: the frames since its reference get their
            // displacement now, each measured as it would have been live (both faces
            // under that frame's box) while its image is held, else from the crops kept.
            if closed == nil, let onset = state.spotter.referenceFrame, state.reference == nil,
               let reference = reference(onset, crops: state.crops) {
                state.reference = reference
                var values: [(frame: Int, displacement: Double)] = []
                for f in (onset + 1)...frame.index {
                    // Only the frames that would have been scored: the others repeat.
                    if f != frame.index && (f - onset) % scoreEvery != 0, let last = values.last {
                        values.append((f, last.displacement))
                        continue
                    }
                    guard let entry = state.crops.entry(f) else { continue }
                    let current = try recentFrame(f).map { (full: Frame) throws(VisionError) in try MotionScorer.crop(full.image, box: entry.box) } ?? entry.crop
                    let earlier = recentFrame(f) != nil ? try reference.face(under: entry.box) : MotionScorer.EarlierFace(crop: reference.crop)
                    values.append((f, state.spotter.combinedScore(try scorer.score(earlier: earlier, current: current).countedScores)))
                }
                state.spotter.backfill(values)
                try openEvent(&state, track: face)
            }
            if let box = state.eventBox {
                state.eventCrops[frame.index] = (frame.pts, try frame.image.crop(box, size: ClassifierInput.faceSide))
            }
            lastObservations.append(FaceObservation(face: face, motion: sample, score: score, threshold: state.spotter.threshold,
                                                    displacement: displacement.map(state.spotter.combinedScore), inRun: state.spotter.isInRun,
                                                    reference: state.spotter.referenceFrame, speaking: state.spotter.isSpeaking,
                                                    headMoving: sample.fastHead || sample.headMotion > settings.headMotionLimit,
                                                    speechLevel: state.spotter.speechLevel))
            state.inRun = state.spotter.isInRun
            if let interval = closed {
                defer { state.eventBox = nil; state.eventCrops.removeAll() }
                if let event = candidate(interval, track: face.trackID, state: state, now: frame) {
                    state.series.begin(event.key, onset: event.onset.pts, offset: event.offset.pts)
                    events.append(event)
                } else {
                    lostEvents += 1
                }
            }
        }
        return events
    }

    /// A new track's state, with the spotter of a recently lost track on the same face.
    private func newTrack(_ face: TrackedFace) -> TrackState {
        var spotter = ApexSpotter(fps: fps, gap: gap, settings: settings, lowerFace: FaceGrid.lowerFace, border: FaceGrid.border)
        if let i = retired.indices.max(by: { retired[$0].box.iou(face.box) < retired[$1].box.iou(face.box) }),
           retired[i].box.iou(face.box) > 0.3 {
            spotter = retired[i].spotter
            retired.remove(at: i)
        }
        return TrackState(spotter: spotter, crops: CropHistory(capacity: historyFrames), series: EventSeriesRecorder(fps: fps))
    }

    /// Ends the expressions under way (end of a file, shutdown).
    public func finish() -> [EventCandidate] {
        var events: [EventCandidate] = []
        for (id, var state) in tracks.sorted(by: { $0.key < $1.key }) {
            if let interval = state.spotter.flush(), let last = recentFrames.last,
               let event = candidate(interval, track: id, state: state, now: last) {
                state.series.begin(event.key, onset: event.onset.pts, offset: event.offset.pts)
                events.append(event)
            }
            state.series.finishAll()
            completedSeries += state.series.takeCompleted()
            tracks[id] = state
        }
        return events
    }

    /// The reference face of a run from frame `index`: its full image while held.
    private func reference(_ index: Int, crops: CropHistory) -> Reference? {
        guard let entry = crops.entry(index) else { return nil }
        return Reference(frame: index, image: recentFrame(index)?.image, crop: entry.crop)
    }

    /// The frame `index` if it is still in the ring.
    private func recentFrame(_ index: Int) -> Frame? {
        guard let last = recentFrames.last else { return nil }
        let back = last.index - index
        guard back >= 0, back < recentFrames.count else { return nil }
        let frame = recentFrames[recentFrames.count - 1 - back]
        return frame.index == index ? frame : nil
    }

    /// A run has opened: its key-frame box is the detector's full-resolution box on the
    /// onset frame (the track's own box if the detector finds nothing there), and the
    /// frames since the onset, still in the ring, are cropped with it.
    private func openEvent(_ state: inout TrackState, track face: TrackedFace) throws(VisionError) {
        guard let onset = state.spotter.referenceFrame else { return }
        var box = face.box
        if let onsetFrame = recentFrame(onset) {
            // Only a box with IoU > 0.3 is taken, which bounds its size to 0.55-1.83 of
            // the track's and its place to near it: searching just there gives the same
            // answer as the whole frame (boxes within a few pixels) at a fraction of the
            // cost. This runs on the frame path, where a long search holds up the frames
            // behind it (bench/fanout/RESULTS.md: frames 100-140 ms late as events open).
            let side = face.box.width
            let found = try detector.detect(in: onsetFrame.image, region: face.box.scaled(by: 2.5),
                                            minSize: max(24, Int(side * 0.55)), maxSize: Int(side * 1.85) + 1)
            if let best = found.max(by: { $0.box.iou(face.box) < $1.box.iou(face.box) }), best.box.iou(face.box) > 0.3 {
                box = best.box
            }
        }
        state.eventBox = box
        state.eventCrops.removeAll()
        for f in recentFrames where f.index >= onset {
            state.eventCrops[f.index] = (f.pts, try f.image.crop(box, size: ClassifierInput.faceSide))
        }
    }

    /// The key crop of `frame` under the event box, or the nearest one kept.
    private func eventCrop(_ frame: Int, state: TrackState) -> (frame: Int, pts: Double, crop: GrayImage)? {
        for d in 0...gap {
            for f in [frame - d, frame + d] { if let e = state.eventCrops[f] { return (f, e.pts, e.crop) } }
        }
        return nil
    }

    private func candidate(_ interval: SpottedInterval, track: Int, state: TrackState, now: Frame) -> EventCandidate? {
        if let box = state.eventBox, let onset = eventCrop(interval.onset, state: state),
           let apex = eventCrop(interval.apex, state: state), let offset = eventCrop(interval.offset, state: state) {
            let confidence = state.crops.nearest(interval.apex, tolerance: gap)?.confidence ?? 0
            return EventCandidate(source: source, trackID: track, interval: interval,
                                  onset: .init(frame: onset.frame, pts: onset.pts, crop: onset.crop),
                                  apex: .init(frame: apex.frame, pts: apex.pts, crop: apex.crop),
                                  offset: .init(frame: offset.frame, pts: offset.pts, crop: offset.crop),
                                  box: box, confidence: confidence,
                                  latency: max(0, now.pts - apex.pts), droppedFrames: gaps.lost(between: interval.onset, and: interval.offset))
        }
        // A frame where the detector missed the face has no crop: take the nearest one.
        guard let onset = state.crops.nearest(interval.onset, tolerance: gap),
              let offset = state.crops.nearest(interval.offset, tolerance: gap) else { return nil }
        // The spotter's apex is the frame furthest from the onset face when it had the
        // displacement; otherwise it is estimated from the crops here.
        let apexFrame = state.reference != nil ? interval.apex : refinedApex(interval, crops: state.crops, onset: onset.crop)
        guard let apex = state.crops.nearest(apexFrame, tolerance: gap) else { return nil }
        var spotted = interval
        spotted.apex = apexFrame
        return EventCandidate(source: source, trackID: track, interval: spotted,
                              onset: .init(frame: onset.frame, pts: onset.pts, crop: onset.crop),
                              apex: .init(frame: apex.frame, pts: apex.pts, crop: apex.crop),
                              offset: .init(frame: offset.frame, pts: offset.pts, crop: offset.crop),
                              box: apex.box, confidence: apex.confidence,
                              latency: max(0, now.pts - apex.pts), droppedFrames: gaps.lost(between: interval.onset, and: interval.offset))
    }



    /// The apex is the frame whose face differs most from the onset's in the scored
    /// regions (the eyes left out): the peak of the expression, not of its speed.
    private func refinedApex(_ interval: SpottedInterval, crops: CropHistory, onset: GrayImage) -> Int {
        var best = interval.apex, bestDifference = -1.0
        guard interval.offset > interval.onset + 1 else { return best }
        for f in (interval.onset + 1)..<interval.offset {
            guard let entry = crops.entry(f) else { continue }
            let d = Self.regionDifference(onset, entry.crop)
            if d > bestDifference { bestDifference = d; best = f }
        }
        return best
    }

    /// Mean absolute difference of two crops off the eyes (blinks).
    static func regionDifference(_ a: GrayImage, _ b: GrayImage) -> Double {
        var total = 0.0, n = 0.0
        let side = a.width, s = Double(side)
        for y in 0..<side {
            for x in 0..<side where !FaceGrid.isEye(x: (Double(x) + 0.5) / s, y: (Double(y) + 0.5) / s) {
                total += abs(Double(a.pixels[y * side + x]) - Double(b.pixels[y * side + x]))
                n += 1
            }
        }
        return n > 0 ? total / n : 0
    }
}
