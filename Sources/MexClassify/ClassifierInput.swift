import CMexVision
import MexCore
import MexMotion
import MexVision

/// The SKD-TSTSAN input for one event: (38, 48, 48) float32, channel-first.
///
/// Channels (reference-code notes section 1): 0 apex face, 1 onset face, 2-17 apex
/// 4x4 grid, 18-33 onset grid, 34/35 TV-L1 flow onset->apex (u, v), 36/37 apex->offset.
/// Built by the C++ bridge with the same OpenCV calls, in the same order, as
/// Training/mextrain/preprocess.py's `tensor_from_faces`.
public struct ClassifierInput: Sendable {
    public static let channels = 38
    public static let side = 48
    public static let faceSide = 128
    public static let count = channels * side * side

    public var values: [Float]
    /// The onset->apex TV-L1 flow that channels 34 and 35 were made from, 128x128 in
    /// crop pixels, before their stretch to 0..1 (which loses where zero motion is):
    /// what a picture of the event's motion draws. Nil for an input given as values.
    public var onsetToApexFlow: FlowField?

    public init(values: [Float]) {
        precondition(values.count == Self.count, "a classifier input has 38x48x48 values")
        self.values = values
    }

    /// Builds the tensor from three 128x128 gray face crops of one track, as
    /// preprocess.py's `tensor_from_faces` does: with `preprocessing.registration`, the
    /// apex and offset are first warped onto the onset with the head's motion
    /// (`KeyFrameRegistration`), and every channel, faces included, is then built from
    /// the registered crops. Two TV-L1 flows run here: call it off the frame path.
    public init(onset: GrayImage, apex: GrayImage, offset: GrayImage,
                preprocessing: Preprocessing = Preprocessing()) throws(VisionError) {
        for (name, face) in [("onset", onset), ("apex", apex), ("offset", offset)]
        where face.width != Self.faceSide || face.height != Self.faceSide {
            throw VisionError("classifier input", "\(name) face is \(face.width)x\(face.height), not 128x128")
        }
        var apex = apex, offset = offset
        if let registration = preprocessing.registration {
            apex = try registration.align(apex, onto: onset).image
            offset = try registration.align(offset, onto: onset).image
        }
        var params = preprocessing.tvl1.c
        var values = [Float](repeating: 0, count: Self.count)
        var flow = FlowField(width: Self.faceSide, height: Self.faceSide)
        try values.withUnsafeMutableBufferPointer { (out: inout UnsafeMutableBufferPointer<Float>) throws(VisionError) in
            try flow.values.withUnsafeMutableBufferPointer { (flowOut: inout UnsafeMutableBufferPointer<Float>) throws(VisionError) in
                let base = out.baseAddress, flowBase = flowOut.baseAddress
                try onset.pixels.withUnsafeBufferPointer { (a: UnsafeBufferPointer<UInt8>) throws(VisionError) in
                    try apex.pixels.withUnsafeBufferPointer { (b: UnsafeBufferPointer<UInt8>) throws(VisionError) in
                        try offset.pixels.withUnsafeBufferPointer { (c: UnsafeBufferPointer<UInt8>) throws(VisionError) in
                            _ = try VisionError.check("classifier input") {
                                mexv_classifier_input(a.baseAddress, b.baseAddress, c.baseAddress,
                                                      preprocessing.jpegRoundtrip ? 1 : 0, preprocessing.polarRoundtrip ? 1 : 0,
                                                      &params, base, flowBase, $0, $1)
                            }
                        }
                    }
                }
            }
        }
        self.values = values
        onsetToApexFlow = flow
    }

    /// The three faces as the classifier's training data saw them: with `jpegRoundtrip`,
    /// each 128x128 crop goes through JPEG q95 as the data sets' face crops did (the
    /// authors wrote them as .jpg; Training/'s preprocess_clip does the same), then the
    /// tensor is built (registration, if any, on the round-tripped crops). This is what
    /// mexd runs for an event.
    public static func forEvent(onset: GrayImage, apex: GrayImage, offset: GrayImage,
                                preprocessing: Preprocessing) throws(VisionError) -> ClassifierInput {
        guard preprocessing.jpegRoundtrip else {
            return try ClassifierInput(onset: onset, apex: apex, offset: offset, preprocessing: preprocessing)
        }
        return try ClassifierInput(onset: jpeg(onset), apex: jpeg(apex), offset: jpeg(offset), preprocessing: preprocessing)
    }

    /// A face through JPEG q95 and back, as `forEvent` passes each crop.
    public static func jpeg(_ face: GrayImage) throws(VisionError) -> GrayImage {
        guard face.width == face.height else { throw VisionError("JPEG round trip", "face is not square") }
        var out = [UInt8](repeating: 0, count: face.pixels.count)
        let side = face.width
        try face.pixels.withUnsafeBufferPointer { (input: UnsafeBufferPointer<UInt8>) throws(VisionError) in
            try out.withUnsafeMutableBufferPointer { (output: inout UnsafeMutableBufferPointer<UInt8>) throws(VisionError) in
                let base = output.baseAddress
                _ = try VisionError.check("JPEG round trip") { mexv_jpeg_roundtrip(input.baseAddress, Int32(side), 95, base, $0, $1) }
            }
        }
        return GrayImage(width: side, height: side, pixels: out)
    }

    /// One 48x48 channel.
    public func channel(_ c: Int) -> ArraySlice<Float> {
        values[(c * Self.side * Self.side)..<((c + 1) * Self.side * Self.side)]
    }
}

extension ClassifierInput {
    /// How a model's inputs were made (its card's `preprocessing`): what differs between
    /// models, with the defaults a card that does not mention it means.
    public struct Preprocessing: Sendable, Equatable {
        /// Face crops and flow maps through JPEG q95 (card `jpeg_roundtrip`, default true).
        public var jpegRoundtrip: Bool
        /// The flow to polar form and back in float32 (card `flow_polar_roundtrip`,
        /// default true).
        public var polarRoundtrip: Bool
        /// TV-L1's parameters (card `flow.params`; OpenCV's defaults where absent).
        public var tvl1: TVL1Parameters
        /// The apex and offset registered onto the onset first (card
        /// `head_registration`; absent: not registered, as models before it were made).
        public var registration: KeyFrameRegistration?

        public init(jpegRoundtrip: Bool = true, polarRoundtrip: Bool = true, tvl1: TVL1Parameters = .openCVDefaults,
                    registration: KeyFrameRegistration? = nil) {
            self.jpegRoundtrip = jpegRoundtrip
            self.polarRoundtrip = polarRoundtrip
            self.tvl1 = tvl1
            self.registration = registration
        }

        /// What a card asks for; a card without `preprocessing` (or without a key of it)
        /// gets the behaviour of the models made before that key existed.
        public init(card: ModelCard.Preprocessing?) {
            self.init(jpegRoundtrip: card?.jpegRoundtrip ?? true, polarRoundtrip: card?.flowPolarRoundtrip ?? true,
                      tvl1: card?.flow?.params?.parameters ?? .openCVDefaults,
                      registration: card?.headRegistration?.registration)
        }
    }
}

/// cv::optflow::DualTVL1OpticalFlow's parameters (OpenCV's names in the comments; the
/// model card's `flow.params` keys are cv2's). TV-L1 runs `nscales` pyramid levels; at
/// each, `warps` re-linearisations; each runs at most `outerIterations` x
/// `innerIterations` steps, fewer when the update falls under `epsilon`.
public struct TVL1Parameters: Sendable, Equatable {
    public var tau: Double
    public var lambda: Double
    public var theta: Double
    public var scales: Int
    public var warps: Int
    public var epsilon: Double
    public var innerIterations: Int
    public var outerIterations: Int
    public var scaleStep: Double
    public var gamma: Double
    public var medianFiltering: Int

    /// OpenCV 4.6's defaults, read from the library: what the authors and every model
    /// before bounded TV-L1 used.
    public static let openCVDefaults = TVL1Parameters(mexv_tvl1_defaults())

    init(_ p: mexv_tvl1_params) {
        tau = p.tau; lambda = p.lambda; theta = p.theta
        scales = Int(p.nscales); warps = Int(p.warps); epsilon = p.epsilon
        innerIterations = Int(p.inner_iterations); outerIterations = Int(p.outer_iterations)
        scaleStep = p.scale_step; gamma = p.gamma; medianFiltering = Int(p.median_filtering)
    }

    public init(tau: Double, lambda: Double, theta: Double, scales: Int, warps: Int, epsilon: Double,
                innerIterations: Int, outerIterations: Int, scaleStep: Double, gamma: Double, medianFiltering: Int) {
        self.tau = tau; self.lambda = lambda; self.theta = theta
        self.scales = scales; self.warps = warps; self.epsilon = epsilon
        self.innerIterations = innerIterations; self.outerIterations = outerIterations
        self.scaleStep = scaleStep; self.gamma = gamma; self.medianFiltering = medianFiltering
    }

    var c: mexv_tvl1_params {
        mexv_tvl1_params(tau: tau, lambda: lambda, theta: theta, nscales: Int32(scales), warps: Int32(warps), epsilon: epsilon,
                         inner_iterations: Int32(innerIterations), outer_iterations: Int32(outerIterations),
                         scale_step: scaleStep, gamma: gamma, median_filtering: Int32(medianFiltering))
    }
}
