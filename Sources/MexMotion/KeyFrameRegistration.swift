import MexCore
import MexVision

/// Brings later face crops of one event onto its first (the onset) with the head's rigid
/// motion, so that the classifier's TV-L1 flow sees the face's own motion and not the
/// head's (docs/ARCHITECTURE.md section 3.6).
///
/// The head's motion is estimated as the motion score estimates it (`MotionScorer`): DIS
/// flow from the onset crop to the later crop, `FlowRegistration.fit` with the eyes left
/// out (`MotionScorer.registrationPrior`); when the head moved more than `warpAbove`
/// pixels somewhere in the crop, the later crop is warped back by that motion, the flow
/// is computed again from the onset to the warped crop and what is left is fitted and
/// added (`passes` fits in all). A crop whose head moved less is returned as it is:
/// resampling blurs it a little, which TV-L1 would read as motion.
///
/// Training/mextrain/preprocess.py (`register_faces`) does the same steps with the same
/// OpenCV calls; the parameters are recorded in the model card's `head_registration`.
public struct KeyFrameRegistration: Sendable, Equatable {
    /// The DIS preset and finest pyramid level of the registration's flow (those of the
    /// motion score: `MotionScorer.defaultFlow`); nil finest: the preset's own.
    public var preset: DenseOpticalFlow.Preset
    public var finestScale: Int?
    public var fit: FlowRegistrationSettings
    /// Flow-and-fit rounds: the first on the crops as they are, each further one on the
    /// later crop warped back by the motion fitted so far.
    public var passes: Int
    /// The largest head motion (`HeadMotion.largestMotion`, crop pixels) below which the
    /// later crop is left as it is.
    public var warpAbove: Double

    public init(preset: DenseOpticalFlow.Preset = .fast, finestScale: Int? = nil, fit: FlowRegistrationSettings = FlowRegistrationSettings(),
                passes: Int = 2, warpAbove: Double = MotionScorer.defaultRealignAbove) {
        self.preset = preset
        self.finestScale = finestScale
        self.fit = fit
        self.passes = max(1, passes)
        self.warpAbove = warpAbove
    }

    /// A later crop brought onto the reference, and the head motion it was warped back by
    /// (zero when it was left as it is).
    public struct Aligned: Sendable {
        public var image: GrayImage
        public var head: HeadMotion
        public var warped: Bool
    }

    /// `later` (same size as `reference`, square) warped onto `reference`.
    public func align(_ later: GrayImage, onto reference: GrayImage) throws(VisionError) -> Aligned {
        guard later.width == reference.width, later.height == reference.height, later.width == later.height else {
            throw VisionError("key-frame registration", "crops \(reference.width)x\(reference.height) and \(later.width)x\(later.height): need one square size")
        }
        let side = reference.width
        // A new DIS each time: its starting guess is then zero, as in Training/, and no
        // event's flow depends on the one before it.
        let flow = try DenseOpticalFlow(.dis(preset, finestScale: finestScale))
        let registration = fit.registration
        let prior = MotionScorer.registrationPrior(side: side)
        var field = FlowField(width: side, height: side)
        try flow.compute(from: reference, to: later, into: &field)
        var head = registration.fit(field, prior: prior)
        guard head.largestMotion(side: side) > warpAbove else { return Aligned(image: later, head: HeadMotion(), warped: false) }
        for _ in 1..<passes {
            let warped = try later.warped(head.backAlignment(side: side))
            field = FlowField(width: side, height: side)
            try flow.compute(from: reference, to: warped, into: &field)
            head = head.adding(registration.fit(field, prior: prior))
        }
        return Aligned(image: try later.warped(head.backAlignment(side: side)), head: head, warped: true)
    }
}

/// `FlowRegistration`'s parameters as a value that can be compared and recorded (the
/// model card's `head_registration`).
public struct FlowRegistrationSettings: Sendable, Equatable {
    public var model: FlowRegistration.Model
    public var cellSide: Int
    public var rounds: Int
    public var cutoff: Double
    public var minimumScale: Double

    /// `FlowRegistration()`'s defaults: those of the motion score.
    public init(model: FlowRegistration.Model = .affine, cellSide: Int = 8, rounds: Int = 3, cutoff: Double = 4.0, minimumScale: Double = 0.02) {
        self.model = model
        self.cellSide = cellSide
        self.rounds = rounds
        self.cutoff = cutoff
        self.minimumScale = minimumScale
    }

    public var registration: FlowRegistration {
        FlowRegistration(model: model, cellSide: cellSide, rounds: rounds, cutoff: cutoff, minimumScale: minimumScale)
    }
}
