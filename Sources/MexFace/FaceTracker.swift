import MexCore
import MexVision

/// A face followed from frame to frame.
public struct TrackedFace: Sendable, Equatable {
    /// Per-source track number; not an identity. A face lost and found again gets a new one.
    public let trackID: Int
    /// The smoothed square box the crop is taken from (frozen during a candidate event).
    public var box: FaceBox
    /// The latest detection, unsmoothed.
    public var detection: FaceBox
    /// 0..1, from the detector's support for the latest detection.
    public var confidence: Double
    /// Frames since the face was last detected (0: seen in this frame).
    public var missedFrames: Int
    /// Frames the track has existed.
    public var age: Int
    public var frozen: Bool

    public var visible: Bool { missedFrames == 0 }
}

/// Detects faces every so often on a downscaled frame and tracks them in between by
/// searching a window around each face's last box (docs/ARCHITECTURE.md section 3.2).
///
/// Not thread-safe: one tracker per source, driven by the source's pipeline.
public final class FaceTracker {
    public struct Options: Sendable, Equatable {
        /// Full-frame detection runs on the frame shrunk to this width (INTER_AREA).
        /// 256 keeps a 100 px face (at 640) at 40 px, ample for the 24 px cascade.
        public var detectionWidth = 256
        /// Full-frame detection at least this often, in seconds, to find new faces
        /// while at least one face is tracked.
        public var detectionInterval = TrackingSettings().detectionInterval
        /// Full-frame detection this often, in seconds, while no face is tracked. An
        /// empty scene is the common case of a camera left running, and a search costs
        /// over ten times a frame's decoding (bench/live/RESULTS.md), so it is not run on
        /// every frame; `changeGate` searches sooner when something changes.
        public var idleDetectionInterval = TrackingSettings().idleDetectionInterval
        /// While no face is tracked, a frame that changed (`SceneChangeGate`) is searched
        /// at once rather than at the next `idleDetectionInterval`; nil: no gate.
        public var changeGate: SceneChangeGate.Options? = SceneChangeGate.Options()
        /// Smallest face searched for on a full frame, as a fraction of the frame height:
        /// smaller faces are too coarse for micro-expressions anyway (72 px at 480).
        public var minFaceFraction = 0.15
        /// The local search window is the last box grown by this factor.
        public var searchScale = 1.8
        /// The window is shrunk so the face spans about this many pixels before the
        /// search: the cascade works at 24x24, and a 48 px face keeps its detail while
        /// costing a fraction of a full-resolution search.
        public var searchFaceSize = 48.0
        /// Pyramid step of the local search, which only spans sizes 0.7-1.4x the last.
        public var searchScaleFactor = 1.1
        /// The local search runs on every this many frames for a track whose motion the
        /// caller measured (`follow`); frames in between move the box by that motion.
        /// The search is most of the frame path's cost, so every 2nd frame (the default)
        /// saves much of it. A count of frames, not seconds: an expression biases the
        /// measured motion a little on each followed frame, so the run of followed
        /// frames stays short at any frame rate. Tracks without a measured motion are
        /// searched on every frame: a box merely held still lags a drifting face.
        /// Measurements: docs/decisions/2026-12-04-local-search-interval.md.
        public var searchEvery = 2
        /// At most this many local searches a second for a followed track: at 200 fps
        /// every 2nd frame is 100 searches a second, most of the frame path's cost there,
        /// while the head's flow carries the box as well over 4 frames (20 ms) as over
        /// 2 at 30 fps. Below 100 fps `searchEvery` decides.
        /// Measurements: docs/decisions/2026-12-07-search-rate.md.
        public var maximumSearchRate = 50.0
        /// Retry a failed local search accepting weaker cascade evidence.
        public var relaxedSearch = false
        /// A track not detected for this long (seconds) is lost; until then it is
        /// reported under its held box (docs/decisions/2026-11-25-track-lost-after.md).
        public var lostAfter = 0.5
        /// Detections overlapping a track by at least this IoU belong to it.
        public var matchIoU = 0.3
        /// Alpha-beta smoothing gains for the box centre and size.
        public var alpha = 0.5
        public var beta = 0.1
        public init() {}

        /// The defaults, with the [tracking] settings of mexd.toml applied.
        public init(_ settings: TrackingSettings) {
            detectionInterval = settings.detectionInterval
            idleDetectionInterval = settings.idleDetectionInterval
            changeGate = settings.changeGate ? SceneChangeGate.Options() : nil
        }
    }

    private struct Track {
        var face: TrackedFace
        var cx: AlphaBetaFilter
        var cy: AlphaBetaFilter
        var side: AlphaBetaFilter
        var frozenBox: FaceBox?
        /// The cascade support of the last search, which a followed frame keeps.
        var support: Int
        /// The frame of the last local search or detection.
        var lastSearch: Int
        /// The face's motion per frame (frame pixels) as the caller last measured it,
        /// for the next frame only.
        var shift: (dx: Double, dy: Double)?

        var smoothedBox: FaceBox {
            FaceBox(x: cx.value - side.value / 2, y: cy.value - side.value / 2, width: side.value, height: side.value)
        }
    }

    public let options: Options
    private let detector: HaarFaceDetector
    private let detectionIntervalFrames: Int
    private let idleDetectionFrames: Int
    private var gate: SceneChangeGate?
    /// Whether the gate saw the previous frame: it compares frames a span apart, so
    /// after frames it did not see (a track existed) it starts afresh.
    private var gateIsCurrent = false
    /// Frames between two full searches the gate asks for: its own span.
    private let gateSpacingFrames: Int
    private let lostAfterFrames: Int
    private let searchIntervalFrames: Int
    private var tracks: [Track] = []
    private var nextTrackID = 1
    private var lastFullDetection: Int?

    /// `fps` converts the options' seconds into frames.
    public init(detector: HaarFaceDetector, fps: Double, options: Options = Options()) {
        self.detector = detector
        self.options = options
        detectionIntervalFrames = max(1, Int((options.detectionInterval * fps).rounded()))
        idleDetectionFrames = max(1, Int((options.idleDetectionInterval * fps).rounded()))
        gate = options.changeGate.map { SceneChangeGate(fps: fps, options: $0) }
        gateSpacingFrames = max(1, Int(((options.changeGate?.span ?? 0) * fps).rounded()))
        lostAfterFrames = max(1, Int((options.lostAfter * fps).rounded()))
        searchIntervalFrames = max(1, options.searchEvery, Int((fps / options.maximumSearchRate).rounded(.up)))
    }

    public var faces: [TrackedFace] { tracks.map(\.face) }
    /// Full-frame searches so far, and how many of them the change gate asked for.
    public private(set) var fullSearches = (total: 0, gated: 0)
    /// Local searches (near a track's last box) so far.
    public private(set) var localSearches = 0

    /// Keeps the crop box of a track fixed (for the span of a candidate event), so that
    /// the event's key frames share one crop.
    /// `box` (by default the current one) is the box to hold, e.g. the one an event's
    /// onset frame was cropped with.
    public func freeze(_ trackID: Int, box: FaceBox? = nil) {
        guard let i = tracks.firstIndex(where: { $0.face.trackID == trackID }) else { return }
        tracks[i].frozenBox = box ?? tracks[i].face.box
        tracks[i].face.box = tracks[i].frozenBox!
        tracks[i].face.frozen = true
    }

    public func unfreeze(_ trackID: Int) {
        guard let i = tracks.firstIndex(where: { $0.face.trackID == trackID }) else { return }
        tracks[i].frozenBox = nil
        tracks[i].face.frozen = false
        tracks[i].face.box = tracks[i].smoothedBox
    }

    /// The face of `trackID` moved by (dx, dy) frame pixels per frame, as measured by the
    /// caller (the head's own flow): the next frame may move the box by it instead of
    /// searching (see `Options.searchEvery`).
    public func follow(_ trackID: Int, dx: Double, dy: Double) {
        guard let i = tracks.firstIndex(where: { $0.face.trackID == trackID }), dx.isFinite, dy.isFinite else { return }
        tracks[i].shift = (dx, dy)
    }

    /// Processes one frame; returns the live tracks (visible or briefly missed).
    public func update(_ frame: Frame) throws(VisionError) -> [TrackedFace] {
        let image = frame.image
        var detections: [DetectedFace] = []
        let search = fullSearchDue(frame)
        let full = search != nil
        if let region = search {
            detections = try detectFullFrame(image, region: region)
            lastFullDetection = frame.index
            fullSearches.total += 1
        }
        var matched = match(detections)
        // Tracks the full pass missed, and every track on other frames: search near the
        // last box, every `searchEvery` frames for a track whose motion was measured, which
        // in between follows that motion (not the box's own velocity: coasting on it
        // moves the box in ways the motion score counts as facial motion).
        var followed = [Bool](repeating: false, count: tracks.count)
        for i in tracks.indices where matched[i] == nil {
            if let shift = tracks[i].shift, tracks[i].face.missedFrames == 0,
               frame.index - tracks[i].lastSearch < searchIntervalFrames {
                var moved = tracks[i].face.detection
                moved.x += shift.dx
                moved.y += shift.dy
                matched[i] = DetectedFace(box: moved, support: tracks[i].support)
                followed[i] = true
                continue
            }
            matched[i] = try searchNear(tracks[i].face.detection, in: image)
            localSearches += 1
        }
        for i in tracks.indices {
            tracks[i].shift = nil
            if let detection = matched[i] {
                if !followed[i] {
                    tracks[i].lastSearch = frame.index
                    tracks[i].support = detection.support
                }
                observe(&tracks[i], detection)
            } else {
                tracks[i].face.missedFrames += 1
                tracks[i].cx.hold(); tracks[i].cy.hold(); tracks[i].side.hold()
            }
            tracks[i].face.age += 1
        }
        tracks.removeAll { $0.face.missedFrames > lostAfterFrames }
        // Faces the full pass found that no track claimed start new tracks.
        if full {
            for detection in detections where !tracks.contains(where: { $0.face.detection.iou(detection.box) >= options.matchIoU }) {
                startTrack(detection, at: frame.index)
            }
        }
        return faces
    }

    /// Whether this frame gets a search for new faces, and over which part of it: the
    /// whole frame at `detectionInterval` while faces are tracked, and with none at
    /// `idleDetectionInterval`; with none, also the part the change gate points at
    /// (grown by the smallest face searched for, so a face only partly changed is
    /// whole in it), at most once per gate span.
    private func fullSearchDue(_ frame: Frame) -> FaceBox? {
        let image = frame.image
        let whole = FaceBox(x: 0, y: 0, width: Double(image.width), height: Double(image.height))
        let since = lastFullDetection.map { frame.index - $0 } ?? Int.max
        guard tracks.isEmpty else {
            gateIsCurrent = false
            return since >= detectionIntervalFrames ? whole : nil
        }
        var changed: FaceBox?
        if gate != nil {
            if !gateIsCurrent { gate!.reset() }
            changed = gate!.changed(image)
            gateIsCurrent = true
        }
        if since >= idleDetectionFrames { return whole }
        guard var region = changed, since >= gateSpacingFrames else { return nil }
        let grow = options.minFaceFraction * Double(image.height)
        region = FaceBox(x: max(0, region.x - grow), y: max(0, region.y - grow), width: region.width + 2 * grow, height: region.height + 2 * grow)
        region.width = min(region.width, whole.width - region.x)
        region.height = min(region.height, whole.height - region.y)
        fullSearches.gated += 1
        return region.width * region.height > whole.width * whole.height / 2 ? whole : region
    }

    /// Looks for the face in a window around its last box, shrunk so that the face is
    /// about `searchFaceSize` pixels, for faces of 0.7 to 1.4 times the last size.
    /// A search that finds nothing is tried once more at twice that size (at most the
    /// frame's own pixels): a face that is small in the frame already (60 px in a
    /// 176x144 video) loses the cascade's evidence when shrunk further, and only the
    /// frames that missed pay for the finer search.
    private func searchNear(_ last: FaceBox, in image: GrayImage) throws(VisionError) -> DetectedFace? {
        let scale = min(1, options.searchFaceSize / last.width)
        if let found = try searchNear(last, in: image, scale: scale) { return found }
        guard scale < 1 else { return nil }
        localSearches += 1
        return try searchNear(last, in: image, scale: min(1, 2 * scale))
    }

    private func searchNear(_ last: FaceBox, in image: GrayImage, scale: Double) throws(VisionError) -> DetectedFace? {
        guard let window = image.clip(last.scaled(by: options.searchScale)) else { return nil }
        let width = max(24, Int((Double(window.width) * scale).rounded()))
        let height = max(24, Int((Double(window.height) * scale).rounded()))
        let windowBox = FaceBox(x: Double(window.x), y: Double(window.y), width: Double(window.width), height: Double(window.height))
        let small = try image.resample(windowBox, width: width, height: height, interpolation: .area)
        let face = last.width * scale
        var found = try detector.detect(in: small, minSize: max(20, Int(face * 0.7)), maxSize: Int(face * 1.4) + 1,
                                        scaleFactor: options.searchScaleFactor)
        if found.isEmpty && options.relaxedSearch {
            // Where a face just was, weaker evidence will do: an expression or a blink
            // can cost the cascade a few of its windows.
            found = try detector.detect(in: small, minSize: max(20, Int(face * 0.7)), maxSize: Int(face * 1.4) + 1,
                                        scaleFactor: options.searchScaleFactor, minNeighbours: 2)
        }
        let sx = Double(window.width) / Double(width), sy = Double(window.height) / Double(height)
        let candidates = found.map { f -> DetectedFace in
            var mapped = f
            mapped.box = FaceBox(x: Double(window.x) + f.box.x * sx, y: Double(window.y) + f.box.y * sy,
                                 width: f.box.width * sx, height: f.box.height * sy)
            return mapped
        }
        return candidates.max { $0.box.iou(last) < $1.box.iou(last) }.flatMap { $0.box.iou(last) > 0 ? $0 : nil }
    }

    /// Searches `region` (by default the whole frame) at the scale that shrinks the
    /// frame to `detectionWidth`, for faces of at least `minFaceFraction` of its height.
    private func detectFullFrame(_ image: GrayImage, region: FaceBox) throws(VisionError) -> [DetectedFace] {
        let scale = image.width > options.detectionWidth ? Double(options.detectionWidth) / Double(image.width) : 1
        let frameHeight = max(1, Int((Double(image.height) * scale).rounded()))
        let minSize = max(20, Int(Double(frameHeight) * options.minFaceFraction))
        let small: GrayImage
        if region.x == 0 && region.y == 0 && Int(region.width) == image.width && Int(region.height) == image.height {
            small = scale < 1 ? try image.resized(width: options.detectionWidth, height: frameHeight) : image
        } else {
            let width = Int((region.width * scale).rounded()), height = Int((region.height * scale).rounded())
            guard width >= minSize, height >= minSize else { return [] }
            small = try image.resample(region, width: width, height: height, interpolation: .area)
        }
        let sx = region.width / Double(small.width), sy = region.height / Double(small.height)
        return try detector.detect(in: small, minSize: minSize).map { face in
            var f = face
            f.box = FaceBox(x: region.x + face.box.x * sx, y: region.y + face.box.y * sy, width: face.box.width * sx, height: face.box.height * sy)
            return f
        }
    }

    /// Greedy assignment of detections to tracks by IoU, best overlaps first.
    private func match(_ detections: [DetectedFace]) -> [DetectedFace?] {
        var result = [DetectedFace?](repeating: nil, count: tracks.count)
        var pairs: [(iou: Double, track: Int, detection: Int)] = []
        for (t, track) in tracks.enumerated() {
            for (d, detection) in detections.enumerated() {
                let iou = track.face.detection.iou(detection.box)
                if iou >= options.matchIoU { pairs.append((iou, t, d)) }
            }
        }
        var usedDetections = Set<Int>()
        for pair in pairs.sorted(by: { $0.iou > $1.iou }) where result[pair.track] == nil && !usedDetections.contains(pair.detection) {
            result[pair.track] = detections[pair.detection]
            usedDetections.insert(pair.detection)
        }
        return result
    }

    private func observe(_ track: inout Track, _ detection: DetectedFace) {
        let box = detection.box
        track.cx.update(box.centerX)
        track.cy.update(box.centerY)
        track.side.update(max(box.width, box.height))
        track.face.detection = box
        track.face.confidence = detection.confidence
        track.face.missedFrames = 0
        track.face.box = track.frozenBox ?? track.smoothedBox
    }

    private func startTrack(_ detection: DetectedFace, at frame: Int) {
        let box = detection.box
        let side = max(box.width, box.height)
        let face = TrackedFace(trackID: nextTrackID, box: box, detection: box, confidence: detection.confidence,
                               missedFrames: 0, age: 1, frozen: false)
        nextTrackID += 1
        tracks.append(Track(face: face,
                            cx: AlphaBetaFilter(box.centerX, alpha: options.alpha, beta: options.beta),
                            cy: AlphaBetaFilter(box.centerY, alpha: options.alpha, beta: options.beta),
                            side: AlphaBetaFilter(side, alpha: options.alpha, beta: options.beta),
                            support: detection.support, lastSearch: frame))
    }
}
