/// Why a model could not be used. mexd exits 65 for all of them (mexd(8)).
public enum ModelError: Error, Equatable, CustomStringConvertible {
    case missingModel(String)
    case missingCard(String)
    case unreadable(String, detail: String)
    case invalidCard(String, detail: String)
    /// The graph does not do what its card says.
    case mismatch(String, detail: String)
    case inference(String)

    public var description: String {
        switch self {
        case .missingModel(let p): return "\(p): no such model file"
        case .missingCard(let p): return "\(p): model card missing (export writes NAME.json beside NAME.onnx)"
        case .unreadable(let p, let d): return "\(p): not a usable ONNX model (\(d))"
        case .invalidCard(let p, let d): return "\(p): bad model card: \(d)"
        case .mismatch(let p, let d): return "\(p): model and card disagree: \(d)"
        case .inference(let d): return "inference failed: \(d)"
        }
    }
}
