import MexClassify
import MexProtocol

extension Records.ClassifierResult {
    /// What the wire records say of a classification and the model that made it.
    public init(_ result: Classification, card: ModelCard) {
        self.init(label: result.label, classes: result.classes, probabilities: result.probabilities, logits: result.logits,
                  modelName: card.name, modelVersion: card.versionLabel)
    }
}

extension ModelCard {
    /// The model's version as the wire records give it: architecture and training date.
    public var versionLabel: String {
        date.map { "\(architectureVersion) \($0)" } ?? architectureVersion
    }
}
