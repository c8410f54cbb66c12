import Foundation

/// Finds the default model when `--model` is not given: an installed copy first, then
/// the one in the source tree next to a built binary (.build/<config>/mexd).
enum ModelLocator {
    static func defaultModel() -> String? {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let bin = executable.deletingLastPathComponent()
        let candidates = [
            bin.appendingPathComponent("../share/mexd/models/default.onnx"),
            bin.appendingPathComponent("../../Models/default.onnx"),
            bin.appendingPathComponent("../../../Models/default.onnx"),
        ]
        return candidates.map { $0.standardizedFileURL.path }.first { FileManager.default.fileExists(atPath: $0) }
    }
}
