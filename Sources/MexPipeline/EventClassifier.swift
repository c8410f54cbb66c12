import Dispatch
import MexClassify
import MexCore
import MexMotion
import MexVision

/// A classified event: the candidate and what the model said (nil without a model).
public struct ClassifiedEvent: Sendable {
    public var candidate: EventCandidate
    public var result: Classification?
    public var error: String?
    /// The onset->apex TV-L1 flow the classifier's input was made from (nil without a
    /// model): what pictures of the event draw.
    public var flow: FlowField?

    public init(candidate: EventCandidate, result: Classification?, error: String?, flow: FlowField? = nil) {
        self.candidate = candidate
        self.result = result
        self.error = error
        self.flow = flow
    }
}

/// Classifies events off the frame path (docs/ARCHITECTURE.md section 3.6): the key
/// frames' registration, the two TV-L1 flows and the network run on a thread of their own, one event at a time, in
/// the order the events were submitted.
///
/// The `Classifier` it owns is not thread-safe; it is only ever used on `queue`, which
/// is what makes this type safe to share.
public final class EventClassifier: @unchecked Sendable {
    private let classifier: Classifier?
    private let queue = DispatchQueue(label: "mexd.classifier")

    /// Classification was turned off on purpose (`mexd scan --no-classify`): events are
    /// unlabelled as asked, so nothing warns that a model is missing.
    public let spottingOnly: Bool

    /// Without a classifier, events pass through unlabelled (spotting only).
    public init(classifier: Classifier?, spottingOnly: Bool = false) {
        self.classifier = classifier
        self.spottingOnly = spottingOnly && classifier == nil
        preprocessing = ClassifierInput.Preprocessing(card: classifier?.card.preprocessing)
    }

    /// What the model's card asks for: registration and TV-L1's budget among it.
    public let preprocessing: ClassifierInput.Preprocessing

    public var card: ModelCard? { classifier?.card }

    public func classify(_ candidate: EventCandidate) async -> ClassifiedEvent {
        await withCheckedContinuation { continuation in
            queue.async { [self] in
                guard let classifier = self.classifier else {
                    continuation.resume(returning: ClassifiedEvent(candidate: candidate, result: nil, error: nil))
                    return
                }
                do {
                    let input = try ClassifierInput.forEvent(onset: candidate.onset.crop, apex: candidate.apex.crop, offset: candidate.offset.crop,
                                                             preprocessing: self.preprocessing)
                    let result = try classifier.classify(input)
                    continuation.resume(returning: ClassifiedEvent(candidate: candidate, result: result, error: nil, flow: input.onsetToApexFlow))
                } catch let error as VisionError {
                    continuation.resume(returning: ClassifiedEvent(candidate: candidate, result: nil, error: error.description))
                } catch {
                    continuation.resume(returning: ClassifiedEvent(candidate: candidate, result: nil, error: "\(error)"))
                }
            }
        }
    }
}
