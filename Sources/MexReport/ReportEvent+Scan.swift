import MexClassify
import MexCore
import MexMotion
import MexPipeline
import MexVision

extension ReportEvent {
    /// The encoding of every picture in a report: JPEG keeps a 50-event report of a
    /// 10-minute video near 1 MB (bench/report).
    static let pictureFormat = ImageCodec.Format.jpeg(quality: 88)

    /// A scan's classified event, with its pictures encoded now: the key crops, and
    /// the onset-to-apex flow the classifier used (TV-L1), or without a model the
    /// spotter's kind of flow (DIS) between the same two crops.
    public init(_ classified: ClassifiedEvent, number: Int, endReason: String? = nil) {
        let c = classified.candidate
        let key = { (k: EventCandidate.KeyFrame) in KeyFrame(frame: k.frame, time: k.pts) }
        let scores = classified.result.map { r in Array(zip(r.classes, r.probabilities)).map { (label: $0.0, probability: $0.1) } } ?? []
        self.init(number: number, source: c.source, track: c.trackID, kind: c.interval.kind.rawValue,
                  onset: key(c.onset), apex: key(c.apex), offset: key(c.offset), label: classified.result?.label,
                  scores: scores, peakScore: c.interval.peakScore, threshold: c.interval.threshold,
                  headMotion: c.interval.headMotion, speech: c.interval.speech, endReason: endReason)
        pictures = Self.pictures(classified)
    }

    /// The pictures of an event; a picture that cannot be made is left out.
    public static func pictures(_ classified: ClassifiedEvent) -> Pictures {
        let c = classified.candidate
        var pictures = Pictures()
        pictures.onset = try? picture(c.onset.crop)
        pictures.apex = try? picture(c.apex.crop)
        pictures.offset = try? picture(c.offset.crop)
        var flow = classified.flow
        if flow != nil {
            pictures.flowSource = "TV-L1, the classifier's input"
        } else if let dis = try? DenseOpticalFlow(MotionScorer.defaultFlow) {
            flow = try? dis.compute(from: c.onset.crop, to: c.apex.crop)
            pictures.flowSource = "DIS, the spotter's flow"
        }
        if let flow {
            let scale = max(FlowPicture.largestMagnitude(flow), 0.5)
            pictures.flowScale = scale
            pictures.flow = try? picture(FlowPicture.colourCoded(flow, scale: scale))
            pictures.magnitude = try? picture(FlowPicture.magnitudeMap(flow, scale: scale))
        }
        return pictures
    }

    static func picture(_ image: GrayImage) throws(VisionError) -> Picture {
        Picture(bytes: try ImageCodec.encode(image, as: pictureFormat), mimeType: pictureFormat.mimeType)
    }

    static func picture(_ image: ColorImage) throws(VisionError) -> Picture {
        Picture(bytes: try ImageCodec.encode(image, as: pictureFormat), mimeType: pictureFormat.mimeType)
    }
}
