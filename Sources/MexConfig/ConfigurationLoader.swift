import Foundation
import MexCore
import MexSpotting
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
        let issues = IssueCollector(file: file, locator: TOMLKeyLocator(text))
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
    var fps: Double?
    var size: (width: Int, height: Int)?
    var controls: [String: Int]?
    var reconnectInitial: Double?
    var reconnectMax: Double?
    var stallTimeout: Double?
    var enabled: Bool?
    var realtime: Bool?
    var loop: Bool?
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
        if let table = top.subtable("daemon") { config.daemon = daemon(reader(table, "daemon", ConfigSchema.daemon)) }
        if let table = top.subtable("journal") { config.journal = journal(reader(table, "journal", ConfigSchema.journal)) }
        if let table = top.subtable("limits") { config.limits = limits(reader(table, "limits", ConfigSchema.limits)) }
        if let table = top.subtable("model") { config.model = model(reader(table, "model", ConfigSchema.model)) }
        if let table = top.subtable("spotter") { config.spotter = spotter(reader(table, "spotter", ConfigSchema.spotter)) }
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

    private func reader(_ table: TOMLTable, _ name: String, _ known: [String]) -> TableReader {
        let reader = TableReader(table, path: [name], known: known, issues: issues)
        reader.reportUnknownKeys(elsewhere: { key in
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

    // MARK: [daemon], [journal], [limits], [model]

    private func daemon(_ r: TableReader) -> DaemonSettings {
        var s = DaemonSettings()
        if let socket = r.string("socket", what: "a socket path") {
            // sockaddr_un.sun_path holds 108 bytes with the terminating NUL.
            if socket.utf8.count > 107 {
                issues.error(r.keyPath("socket"), "the path is \(socket.utf8.count) bytes long; a Unix socket path holds at most 107")
            } else if !socket.hasPrefix("/") {
                issues.error(r.keyPath("socket"), "expected an absolute path, got \"\(socket)\"")
            } else {
                s.socket = socket
            }
        }
        if let mode = socketMode(r) { s.socketMode = mode }
        if let group = r.string("socket_group", what: "a group name") { s.socketGroup = group }
        if let interval = r.number("stats_interval", .nonNegative, maximum: Bounds.seconds) { s.statsInterval = interval }
        if let roots = r.strings("scan_roots", what: "absolute folder paths") {
            if let relative = roots.first(where: { !$0.hasPrefix("/") }) {
                issues.error(r.keyPath("scan_roots"), "expected absolute folder paths, got \"\(relative)\"")
            } else {
                s.scanRoots = roots
            }
        }
        if let level = r.string("log_level") {
            if ConfigSchema.logLevels.contains(level) {
                s.logLevel = level
            } else {
                let guess = TableReader.suggestion(for: level, among: ConfigSchema.logLevels)
                issues.error(r.keyPath("log_level"), "expected one of \(ConfigSchema.logLevels.joined(separator: ", ")), got \"\(level)\"",
                             hint: guess.map { "did you mean \($0)?" })
            }
        }
        return s
    }

    /// "0660" (a string read as octal) or an integer (0o660 in TOML, or decimal 432).
    private func socketMode(_ r: TableReader) -> UInt32? {
        guard let value = r.value("socket_mode") else { return nil }
        let mode: Int
        if let string = value.string {
            let digits = string.hasPrefix("0o") ? String(string.dropFirst(2)) : string
            guard !digits.isEmpty, let parsed = Int(digits, radix: 8) else {
                issues.error(r.keyPath("socket_mode"), "expected octal permission bits such as \"0660\", got \"\(string)\"")
                return nil
            }
            mode = parsed
        } else if let int = value.int {
            mode = int
        } else {
            r.typeError("socket_mode", expected: "permission bits (\"0660\" or 0o660)", got: value)
            return nil
        }
        guard mode >= 0, mode <= 0o777 else {
            let hint = value.int != nil && Int(String(mode), radix: 8).map({ $0 <= 0o777 }) == true
                ? "\(mode) is decimal; write \"0\(mode)\" or 0o\(mode) for octal" : nil
            issues.error(r.keyPath("socket_mode"), "expected permission bits up to 0777, got \(value.string.map { "\"\($0)\"" } ?? "0o" + String(mode, radix: 8))",
                         hint: hint)
            return nil
        }
        if mode & 0o600 != 0o600 {
            issues.warning(r.keyPath("socket_mode"), "the owner (mexd itself) cannot read and write the socket")
        }
        return UInt32(mode)
    }

    private func journal(_ r: TableReader) -> JournalSettings {
        var s = JournalSettings()
        if let path = r.string("path", what: "a file path") { s.path = path }
        if let days = r.number("retention_days", .nonNegative, maximum: 36_500) { s.retentionDays = days }
        if let count = r.integer("max_events", minimum: 0) { s.maxEvents = count }
        return s
    }

    private func limits(_ r: TableReader) -> LimitSettings {
        var s = LimitSettings()
        if let count = r.integer("max_clients", minimum: 1, maximum: 4096) { s.maxClients = count }
        // A WATCH request with a few source names must fit.
        if let bytes = r.integer("request_line_bytes", minimum: 1024, maximum: 16 << 20) { s.requestLineBytes = bytes }
        if let seconds = r.number("idle_timeout", .nonNegative, maximum: Bounds.seconds) { s.idleTimeout = seconds }
        if let count = r.integer("subscriber_queue", minimum: 1, maximum: 1 << 20) { s.subscriberQueue = count }
        if let count = r.integer("max_scans", minimum: 0, maximum: 64) { s.maxScans = count }
        if let count = r.integer("scan_queue", minimum: 0, maximum: 4096) { s.scanQueue = count }
        return s
    }

    private func model(_ r: TableReader) -> ModelSettings {
        var s = ModelSettings()
        if let path = r.string("path", what: "a file path") { s.path = path }
        if let path = r.string("cascade", what: "a file path") { s.cascade = path }
        if let classify = r.bool("classify") { s.classify = classify }
        return s
    }

    // MARK: [spotter]

    private func spotter(_ r: TableReader) -> SpotterSettings {
        var s = SpotterSettings()
        // Durations become frame counts (x fps, up to 1000) and pixel levels stay small:
        // 600 s of history and 60 s for the others are far past any use.
        func read(_ key: String, _ rule: NumberRule, _ field: WritableKeyPath<SpotterSettings, Double>, maximum: Double = 60) {
            if let value = r.number(key, rule, maximum: maximum) { s[keyPath: field] = value }
        }
        read("flow_span", .positive, \.flowSpan)
        read("smoothing", .positive, \.smoothing)
        read("history", .positive, \.history, maximum: 600)
        read("warm_up", .nonNegative, \.warmUp)
        read("p", .fraction, \.p)
        read("noise_k", .nonNegative, \.noiseK, maximum: 1000)
        read("minimum_threshold", .nonNegative, \.minimumThreshold, maximum: 1000)
        read("hysteresis", .fraction, \.hysteresis)
        read("look_ahead", .positive, \.lookAhead)
        read("raw_k", .nonNegative, \.rawK, maximum: 1000)
        read("return_fraction", .fraction, \.returnFraction)
        read("minimum_displacement", .nonNegative, \.minimumDisplacement, maximum: 1000)
        read("onset_pre_roll", .nonNegative, \.onsetPreRoll)
        read("boundary_fraction", .fraction, \.boundaryFraction)
        read("settle_limit", .positive, \.settleLimit)
        read("search_margin", .nonNegative, \.searchMargin)
        read("min_duration", .nonNegative, \.minDuration)
        read("micro_max", .positive, \.microMax)
        read("macro_max", .positive, \.macroMax)
        if let equalise = r.bool("equalise_regions") { s.equaliseRegions = equalise }
        if let report = r.bool("report_movement") { s.reportMovement = report }
        read("head_motion_limit", .positive, \.headMotionLimit, maximum: 1000)
        // Durations sort events into kinds, so the bounds must be in order.
        if s.minDuration >= s.microMax {
            issues.error(r.keyPath(r.has("min_duration") ? "min_duration" : "micro_max"),
                         "min_duration (\(TableReader.literal(s.minDuration))) must be shorter than micro_max (\(TableReader.literal(s.microMax)))")
        }
        if s.microMax >= s.macroMax {
            issues.error(r.keyPath(r.has("micro_max") ? "micro_max" : "macro_max"),
                         "micro_max (\(TableReader.literal(s.microMax))) must be shorter than macro_max (\(TableReader.literal(s.macroMax)))",
                         hint: "micro-expressions last up to 0.5 s, macro-expressions up to about 4 s")
        }
        return s
    }

    // MARK: Sources

    private func sourceKeys(_ r: TableReader) -> SourceKeys {
        var keys = SourceKeys(path: r.path)
        keys.fps = r.number("fps", .positive, maximum: 1000)
        keys.size = size(r)
        keys.controls = controls(r)
        keys.reconnectInitial = r.number("reconnect_initial", .positive, maximum: Bounds.seconds)
        keys.reconnectMax = r.number("reconnect_max", .positive, maximum: Bounds.seconds)
        keys.stallTimeout = r.number("stall_timeout", .positive, maximum: Bounds.seconds)
        keys.enabled = r.bool("enabled")
        keys.realtime = r.bool("realtime")
        keys.loop = r.bool("loop")
        if let initial = keys.reconnectInitial, let maximum = keys.reconnectMax, initial > maximum {
            reconnectError(r.keyPath("reconnect_initial"), initial, maximum)
        }
        return keys
    }

    private func reconnectError(_ path: [String], _ initial: Double, _ maximum: Double) {
        issues.error(path, "reconnect_initial (\(TableReader.literal(initial))) is longer than reconnect_max (\(TableReader.literal(maximum)))",
                     hint: "the wait starts at reconnect_initial and doubles up to reconnect_max")
    }

    /// size = [w, h], or width and height.
    private func size(_ r: TableReader) -> (width: Int, height: Int)? {
        if r.has("size") && (r.has("width") || r.has("height")) {
            issues.error(r.keyPath(r.has("width") ? "width" : "height"), "size is already given",
                         hint: "use either size = [w, h] or width and height")
            return nil
        }
        if let value = r.value("size") {
            guard let array = value.array, array.count == 2,
                  let width = array[0].int, let height = array[1].int else {
                issues.error(r.keyPath("size"), "expected [width, height] (two integers), got \(TableReader.describe(value))",
                             hint: "for example size = [640, 480]")
                return nil
            }
            guard width > 0, height > 0 else {
                issues.error(r.keyPath("size"), "expected a positive width and height, got [\(width), \(height)]")
                return nil
            }
            return (width, height)
        }
        let width = r.integer("width", minimum: 1)
        let height = r.integer("height", minimum: 1)
        if r.has("width") != r.has("height") {
            let given = r.has("width") ? "width" : "height"
            issues.error(r.keyPath(given), "\(given) without \(given == "width" ? "height" : "width")",
                         hint: "give both, or size = [w, h]")
            return nil
        }
        if let width, let height { return (width, height) }
        return nil
    }

    /// controls = { name = integer }: V4L2 control names as `mexd devices` and v4l2-ctl list them.
    private func controls(_ r: TableReader) -> [String: Int]? {
        guard let table = r.subtable("controls") else { return nil }
        var controls: [String: Int] = [:]
        for key in table.keys {
            let path = r.keyPath("controls") + [key]
            let value = table[key]!
            let normal = V4L2ControlKey.of(key)
            guard key == normal, !key.isEmpty else {
                issues.error(path, "a control name is lower case, with '_' between words",
                             hint: normal.isEmpty ? nil : "write \(normal)")
                continue
            }
            if let int = value.int {
                controls[key] = int
            } else if let bool = value.bool {
                controls[key] = bool ? 1 : 0
            } else {
                issues.error(path, "expected an integer (or true/false), got \(TableReader.describe(value))")
            }
        }
        return controls
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
        var kind: SourceKind?
        if let value = r.string("kind", what: "a source kind") {
            kind = SourceKind(rawValue: value)
            if kind == nil {
                let names = ConfigSchema.kinds.map(\.rawValue)
                let guess = TableReader.suggestion(for: value, among: names)
                issues.error(r.keyPath("kind"), "expected one of \(names.joined(separator: ", ")), got \"\(value)\"",
                             hint: guess.map { "did you mean \($0)?" })
                return nil
            }
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
                issues.error(r.path, "missing \(wanted) (\(Self.locationExample(kind)))")
            }
            return nil
        }
        guard let location = r.string(wanted, what: Self.locationWhat(kind)) else { return nil }
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
        let cameraOnly = kind == .v4l2
        func applies(_ key: String, _ yes: Bool, _ set: Bool) -> Bool {
            if set && !yes {
                issues.warning(r.keyPath(key), "ignored: \(key) only applies to \(["realtime", "loop"].contains(key) ? "file" : "v4l2") sources")
            }
            return yes
        }
        if applies("fps", cameraOnly, own.fps != nil) { source.fps = own.fps ?? defaults.fps }
        let sizeKey = r.has("size") ? "size" : (r.has("width") ? "width" : "height")
        if applies(sizeKey, cameraOnly, own.size != nil), let size = own.size ?? defaults.size {
            source.width = size.width
            source.height = size.height
        }
        if applies("controls", cameraOnly, own.controls?.isEmpty == false) {
            source.controls = (defaults.controls ?? [:]).merging(own.controls ?? [:]) { _, mine in mine }
        }
        if applies("realtime", kind == .file, own.realtime != nil) {
            source.realtime = own.realtime ?? defaults.realtime ?? source.realtime
        }
        if applies("loop", kind == .file, own.loop != nil) {
            source.loop = own.loop ?? defaults.loop ?? source.loop
        }
        source.reconnectInitial = own.reconnectInitial ?? defaults.reconnectInitial ?? source.reconnectInitial
        source.reconnectMax = own.reconnectMax ?? defaults.reconnectMax ?? source.reconnectMax
        source.stallTimeout = own.stallTimeout ?? defaults.stallTimeout ?? source.stallTimeout
        source.enabled = own.enabled ?? defaults.enabled ?? source.enabled
        // Checked once both are known (one may come from [defaults]), unless one table already said so.
        let bothInOneTable = (own.reconnectInitial != nil && own.reconnectMax != nil)
            || (own.reconnectInitial == nil && own.reconnectMax == nil && defaults.reconnectInitial != nil && defaults.reconnectMax != nil)
        if source.reconnectInitial > source.reconnectMax && !bothInOneTable {
            let path = own.reconnectInitial != nil ? r.keyPath("reconnect_initial")
                : own.reconnectMax != nil ? r.keyPath("reconnect_max")
                : defaults.reconnectInitial != nil ? defaults.path + ["reconnect_initial"] : defaults.path + ["reconnect_max"]
            reconnectError(path, source.reconnectInitial, source.reconnectMax)
        }
        return source
    }

    private static func locationExample(_ kind: SourceKind) -> String {
        switch kind {
        case .v4l2: return "the camera's device node, e.g. device = \"/dev/video0\""
        case .file: return "a video file, e.g. path = \"/srv/video/clip.mp4\""
        case .rtsp: return "the stream's URL, e.g. url = \"rtsp://camera.local/stream1\""
        }
    }

    private static func locationWhat(_ kind: SourceKind) -> String {
        switch kind {
        case .v4l2: return "a device path"
        case .file: return "a file path"
        case .rtsp: return "a URL"
        }
    }
}

/// Upper bounds shared by several keys (mexd.toml(5)).
enum Bounds {
    /// Intervals and timeouts: one day.
    static let seconds = 86_400.0
}
