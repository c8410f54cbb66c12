import Foundation
import MexCore
import TOMLKit

/// A configuration that loaded, with what is worth a look but not fatal.
public struct LoadedConfiguration: Sendable, Equatable {
    public var configuration: DaemonConfiguration
    /// Problems that do not stop mexd (no sources, every source disabled, a key that does
    /// not apply to a source's kind), in line order.
    public var warnings: [ConfigIssue]
    /// The file as the user named it.
    public var file: String

    /// `mexd.toml: OK, 2 sources (cam0 v4l2, clip file)`: check-config's summary line.
    public var summary: String {
        let sources = configuration.sources
        var line = "\(file): OK, \(sources.count) source\(sources.count == 1 ? "" : "s")"
        if !sources.isEmpty {
            line += " (" + sources.map { "\($0.name) \($0.kind.rawValue)" + ($0.enabled ? "" : " disabled") }
                .joined(separator: ", ") + ")"
        }
        if !warnings.isEmpty { line += ", \(warnings.count) warning\(warnings.count == 1 ? "" : "s")" }
        return line
    }
}

/// Reads mexd.toml (mexd.toml(5)) into a `DaemonConfiguration`.
///
/// Every problem is collected before giving up, each with the line of its key, so one
/// run of `mexd check-config` shows all there is to fix.
public enum ConfigurationLoader {
    /// Where `mexd run` and `mexd check-config` look without `-c`.
    public static let defaultPath = "/etc/mexd/mexd.toml"

    /// Reads and checks a file. `notFound`/`unreadable` when it cannot be read,
    /// `invalid` with every issue when it has at least one error.
    public static func load(contentsOf path: String) throws(ConfigError) -> LoadedConfiguration {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch let error as CocoaError where error.code == .fileReadNoSuchFile {
            throw .notFound(path: path)
        } catch {
            var isDirectory: ObjCBool = false
            if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
                throw .notFound(path: path)
            }
            let reason = isDirectory.boolValue ? "it is a directory"
                : (FileManager.default.isReadableFile(atPath: path) ? "\(error.localizedDescription)" : "permission denied")
            throw .unreadable(path: path, reason: reason)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .invalid([ConfigIssue(file: path, line: nil, keyPath: "", message: "the file is not UTF-8 text")])
        }
        return try parse(text, file: path)
    }

    /// Checks TOML text; `file` names it in the issues.
    public static func parse(_ text: String, file: String = "mexd.toml") throws(ConfigError) -> LoadedConfiguration {
        let locator = TOMLKeyLocator(text)
        if !locator.namelessHeaders.isEmpty {
            throw .invalid(locator.namelessHeaders.map {
                ConfigIssue(file: file, line: $0, keyPath: "", message: "syntax error: a table header needs a name, e.g. [sources.cam0]")
            })
        }
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            var issue = ConfigIssue(file: file, line: error.source.begin.line, keyPath: "",
                                    message: "syntax error: \(error.description)")
            issue.column = error.source.begin.column
            throw .invalid([issue])
        } catch {
            throw .invalid([ConfigIssue(file: file, line: nil, keyPath: "", message: "syntax error: \(error)")])
        }
        let issues = IssueCollector(file: file, locator: locator)
        let configuration = ConfigurationDecoder(root: root, issues: issues).decode()
        // In line order, errors before warnings on one line; issues without a line last.
        let all = issues.issues.enumerated().sorted {
            ($0.element.line ?? Int.max, $0.element.severity == .error ? 0 : 1, $0.offset)
                < ($1.element.line ?? Int.max, $1.element.severity == .error ? 0 : 1, $1.offset)
        }.map(\.element)
        if all.contains(where: { $0.severity == .error }) { throw .invalid(all) }
        return LoadedConfiguration(configuration: configuration, warnings: all, file: file)
    }
}

/// The per-source keys one table sets: [defaults] or a [sources.NAME] table.
private struct SourceKeys {
    var path: [String]
    /// The keys given with a usable value.
    var given: Set<String> = []
    /// Their values (the other fields keep the defaults).
    var values = SourceConfiguration()

    func has(_ key: String) -> Bool { given.contains(key) }
}

/// Walks the parsed tables, filling a `DaemonConfiguration` and collecting issues.
private struct ConfigurationDecoder {
    let root: TOMLTable
    let issues: IssueCollector

    func decode() -> DaemonConfiguration {
        var config = DaemonConfiguration()
        let top = TableReader(root, path: [], known: ConfigSchema.tables.map(\.name), issues: issues)
        top.reportUnknownKeys(elsewhere: { key in
            ConfigSchema.tables.first { $0.keys.contains(key) && $0.name != "sources" }.map { "\(key) belongs in [\($0.name)]" }
        })
        for section in ConfigSchema.sections {
            if let table = top.subtable(section.name) {
                section.read(reader(table, section.name, section.keys, refused: section.refused), &config)
            }
        }
        let defaults = top.subtable("defaults").map { sourceKeys(reader($0, "defaults", ConfigSchema.perSource)) }
            ?? SourceKeys(path: ["defaults"])
        if root["sources"]?.array != nil {
            issues.error(["sources"], "expected [sources.NAME] tables, got an array of tables",
                         hint: "name each source: [sources.cam0] instead of [[sources]]")
        } else if let table = top.subtable("sources") {
            config.sources = sources(table, defaults: defaults)
        }
        let sourceTables = root["sources"]?.table?.count ?? 0
        if sourceTables == 0 {
            issues.warning(root.contains(key: "sources") ? ["sources"] : [],
                           "no [sources.NAME] table: mexd run will only serve SCAN requests",
                           hint: "add a camera as [sources.cam0] with kind = \"v4l2\" and device = \"/dev/video0\"")
        } else if !config.sources.isEmpty, !config.sources.contains(where: \.enabled) {
            issues.warning(["sources"], "every source has enabled = false: mexd run will watch nothing")
        }
        return config
    }

    private func reader(_ table: TOMLTable, _ name: String, _ known: [String], refused: [String: RefusedKey] = [:]) -> TableReader {
        let reader = TableReader(table, path: [name], known: known, issues: issues)
        reader.reportUnknownKeys(refused: refused, elsewhere: { key in
            if let home = ConfigSchema.tables.first(where: { $0.keys.contains(key) && $0.name != name }) {
                return "\(key) is a key of [\(home.name)]"
            }
            if name == "defaults", ConfigSchema.sourceIdentity.contains(key) {
                return "\(key) is set per source, in [sources.NAME]"
            }
            return nil
        })
        return reader
    }

    // MARK: Sources

    private func sourceKeys(_ r: TableReader) -> SourceKeys {
        var keys = SourceKeys(path: r.path)
        keys.given = ConfigSchema.perSourceTable.read(r, into: &keys.values)
        if keys.has("reconnect_initial"), keys.has("reconnect_max"), keys.values.reconnectInitial > keys.values.reconnectMax {
            issues.reconnectOrderError(r.keyPath("reconnect_initial"), keys.values.reconnectInitial, keys.values.reconnectMax)
        }
        return keys
    }

    private func sources(_ table: TOMLTable, defaults: SourceKeys) -> [SourceConfiguration] {
        let locator = issues.locator
        let names = table.keys.sorted { (locator.line(of: ["sources", $0]) ?? Int.max, $0) < (locator.line(of: ["sources", $1]) ?? Int.max, $1) }
        var result: [SourceConfiguration] = []
        var devices: [String: String] = [:]
        for name in names {
            let path = ["sources", name]
            guard let sourceTable = table[name]!.table else {
                issues.error(path, "expected a [sources.\(name)] table, got \(TableReader.describe(table[name]!))",
                             hint: ConfigSchema.source.contains(name) ? "source settings go in a named table: [sources.cam0]" : nil)
                continue
            }
            if name.isEmpty || !name.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-") }) {
                issues.error(path, "a source name holds only letters, digits, '_' and '-', got \"\(name)\"",
                             hint: "it appears in event ids and on the wire")
                continue
            }
            let r = TableReader(sourceTable, path: path, known: ConfigSchema.source, issues: issues)
            r.reportUnknownKeys(elsewhere: { key in
                ConfigSchema.spotter.contains(key) ? "spotter settings are global: set \(key) in [spotter]" : nil
            })
            guard var source = source(r, defaults: defaults) else { continue }
            source.name = name
            if source.kind == .v4l2, source.enabled {
                if let other = devices[source.location] {
                    issues.error(r.keyPath("device"), "\(source.location) is already used by source \(other)",
                                 hint: "a camera can stream to one source; set enabled = false on one of them")
                } else {
                    devices[source.location] = name
                }
            }
            result.append(source)
        }
        return result
    }

    private func source(_ r: TableReader, defaults: SourceKeys) -> SourceConfiguration? {
        let own = sourceKeys(r)
        // kind and location first: without them the rest cannot be judged.
        let locationKeys = ConfigSchema.kinds.map(ConfigSchema.locationKey(for:))
        let given = locationKeys.filter(r.has)
        var identity = SourceConfiguration()
        var kind: SourceKind?
        if ConfigSchema.sourceTable["kind"]!.read(r, &identity) {
            kind = identity.kind
        } else if !r.has("kind") {
            let inferred = given.count == 1 ? ConfigSchema.kinds.first { ConfigSchema.locationKey(for: $0) == given[0] } : nil
            issues.error(r.path, "missing kind (v4l2, file or rtsp)",
                         hint: inferred.map { "\(given[0]) suggests kind = \"\($0.rawValue)\"" })
            return nil
        } else {
            return nil
        }
        guard let kind else { return nil }
        let wanted = ConfigSchema.locationKey(for: kind)
        for key in given where key != wanted {
            issues.error(r.keyPath(key), "a \(kind.rawValue) source takes \(wanted), not \(key)",
                         hint: given.contains(wanted) ? "remove \(key)" : "write \(wanted) = ...")
        }
        if !given.contains(wanted) {
            if given.isEmpty {
                issues.error(r.path, "missing \(wanted) (\(ConfigSchema.locationDoc(kind)))")
            }
            return nil
        }
        guard ConfigSchema.sourceTable[wanted]!.read(r, &identity) else { return nil }
        let location = identity.location
        switch kind {
        case .v4l2 where !location.hasPrefix("/"):
            issues.error(r.keyPath(wanted), "expected a device node path, got \"\(location)\"", hint: "for example /dev/video0")
        case .rtsp where !(location.lowercased().hasPrefix("rtsp://") || location.lowercased().hasPrefix("rtsps://")):
            issues.error(r.keyPath(wanted), "expected an rtsp:// or rtsps:// URL, got \"\(location)\"",
                         hint: location.contains("://") ? "other URLs can be read as kind = \"file\" with path = the URL" : nil)
        default: break
        }

        var source = SourceConfiguration(name: "", kind: kind, location: location)
        // Keys that only make sense for some kinds: a warning when the source sets them,
        // silently not inherited from [defaults].
        let settings = ConfigSchema.perSourceTable.settings
        for setting in settings where setting.partOf == nil {
            guard setting.applies(to: kind) else {
                if own.has(setting.key) {
                    let key = ([setting.key] + settings.filter { $0.partOf == setting.key }.map(\.key)).first(where: r.has) ?? setting.key
                    issues.warning(r.keyPath(key), "ignored: \(key) only applies to \(setting.kinds.map(\.rawValue).joined(separator: " and ")) sources")
                }
                continue
            }
            if defaults.has(setting.key) { setting.inherit(defaults.values, &source) }
            if own.has(setting.key) { setting.inherit(own.values, &source) }
        }
        // Checked once both are known (one may come from [defaults]), unless one table already said so.
        let bothInOneTable = (own.has("reconnect_initial") && own.has("reconnect_max"))
            || (!own.has("reconnect_initial") && !own.has("reconnect_max") && defaults.has("reconnect_initial") && defaults.has("reconnect_max"))
        if source.reconnectInitial > source.reconnectMax && !bothInOneTable {
            let path = own.has("reconnect_initial") ? r.keyPath("reconnect_initial")
                : own.has("reconnect_max") ? r.keyPath("reconnect_max")
                : defaults.has("reconnect_initial") ? defaults.path + ["reconnect_initial"] : defaults.path + ["reconnect_max"]
            issues.reconnectOrderError(path, source.reconnectInitial, source.reconnectMax)
        }
        return source
    }
}
