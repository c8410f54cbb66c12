import Foundation

/// Where `mexd scan --report PATH` writes each input's report, and how the report
/// links the video.
///
/// One input and a PATH that is neither an existing folder nor ends in "/": the report
/// is PATH. Otherwise PATH is a folder (made if missing) holding NAME.html per input,
/// NAME being the input's file name without its extension (a URL's host and path, a
/// device's name), with -2, -3... added where two inputs share a name.
enum ReportPaths {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func isFile(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { return false }
        return !path.hasSuffix("/")
    }

    static func paths(for inputs: [String], at path: String) throws -> [String] {
        if inputs.count == 1 && isFile(path) { return [path] }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw Failure(description: "cannot make the report folder \(path): \(error.localizedDescription)")
        }
        var used: [String: Int] = [:]
        return inputs.map { input in
            let name = baseName(input)
            used[name, default: 0] += 1
            let count = used[name]!
            let file = count == 1 ? "\(name).html" : "\(name)-\(count).html"
            return (path as NSString).appendingPathComponent(file)
        }
    }

    /// A file-system-safe name for an input.
    static func baseName(_ input: String) -> String {
        var name: String
        if let url = URL(string: input), let scheme = url.scheme, scheme.count > 1, input.contains("://") {
            name = (url.host ?? scheme) + url.path
        } else {
            name = ((input as NSString).lastPathComponent as NSString).deletingPathExtension
        }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
        name = String(name.map { allowed.contains($0) ? $0 : "_" }).trimmingCharacters(in: CharacterSet(charactersIn: "_."))
        return name.isEmpty ? "input" : name
    }

    /// The video as the report at `report` links it: a path relative to the report's
    /// folder when the video lies in or below it (the pair can be moved together),
    /// else a file: URL. Nil for URLs, devices and image sequences (no player).
    static func videoLink(_ input: String, report: String) -> String? {
        if input.contains("://") || input.hasPrefix("/dev/") || input.contains("%") { return nil }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory), !isDirectory.boolValue else { return nil }
        let video = URL(fileURLWithPath: input).standardizedFileURL
        let folder = URL(fileURLWithPath: report).standardizedFileURL.deletingLastPathComponent()
        let prefix = folder.path.hasSuffix("/") ? folder.path : folder.path + "/"
        if video.path.hasPrefix(prefix) {
            let relative = String(video.path.dropFirst(prefix.count))
            return relative.split(separator: "/").map {
                String($0).addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? String($0)
            }.joined(separator: "/")
        }
        return video.absoluteString
    }
}
