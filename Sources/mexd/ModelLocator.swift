import Foundation

/// Finds the default model when `--model` is not given: an installed copy first, then
/// the one in the source tree next to a built binary (.build/<config>/mexd). Both are
/// found from the running binary's own path, /proc/self/exe: argv[0] is just "mexd"
/// when a shell found it on PATH (an installed mexd, or one started over ssh).
enum ModelLocator {
    static func defaultModel() -> String? {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let bin = executable.deletingLastPathComponent()
        let candidates = [
            bin.appendingPathComponent("../share/mexd/models/default.onnx"),
            bin.appendingPathComponent("../../Models/default.onnx"),
            bin.appendingPathComponent("../../../Models/default.onnx"),
        ]
        return candidates.map { $0.standardizedFileURL.path }.first { FileManager.default.fileExists(atPath: $0) }
    }
}
