import MexPipeline
import MexProtocol

extension FacePipeline {
    /// The faces of the last frame as FRAME records list them (scan and run alike).
    public var frameFaces: [Records.FrameFace] {
        lastObservations.map {
            Records.FrameFace(trackID: $0.face.trackID, box: $0.face.box, confidence: $0.face.confidence,
                              score: $0.score, threshold: $0.threshold)
        }
    }
}
