import MexCore
import MexSpotting

/// What a key of mexd.toml holds and the values it takes: the loader checks a value
/// against it, and the key's documentation states it.
public enum SettingType: Sendable, Equatable {
    /// A number (an integer is read as one) that `rule` accepts, at most `maximum`. Every
    /// number has an upper bound, so that none can overflow the frame counts and times
    /// computed from it.
    case number(NumberRule, maximum: Double)
    /// An integer from `minimum` to `maximum`; `Int.max` is the largest TOML holds.
    case integer(minimum: Int, maximum: Int)
    case bool
    /// A non-empty string; `what` names it in messages ("a file path").
    case string(what: String)
    /// An array of non-empty strings.
    case strings(what: String)
    /// One of `values`, as a string.
    case choice(what: String, values: [String])
    /// A value of a form of its own, read by code of its own; the text describes it.
    case other(String)
}

/// One key of mexd.toml (mexd.toml(5)): its name, type and range, default and
/// documentation, and the field of `Settings` it sets. `ConfigSchema` holds every key's
/// `Setting`; the loader, the renderer (check-config --print), the key lists and
/// mexd-bench --set all work from them.
public struct Setting<Settings: Sendable>: Sendable {
    public let key: String
    public let type: SettingType
    /// The default as check-config --print writes it; nil when the key is unset by
    /// default (the value then comes from elsewhere: the device, the system's files).
    public let defaultValue: String?
    /// What the key does, in a sentence.
    public let doc: String
    /// The field of the settings the key sets.
    public let field: PartialKeyPath<Settings> & Sendable
    /// The source kinds a per-source key applies to; empty: every kind.
    public let kinds: [SourceKind]
    /// The key that reads this one along with its own (width and height are part of
    /// size): this one is then read, inherited from [defaults] and written with that key.
    public let partOf: String?
    /// Reads the key from the reader's table into the settings: true when it holds a
    /// usable value. Problems go to the reader's issues.
    let read: @Sendable (TableReader, inout Settings) -> Bool
    /// Gives the second settings the first one's value of the key, as a source inherits
    /// it from [defaults] (controls add to those already there).
    let inherit: @Sendable (Settings, inout Settings) -> Void
    /// The value in force as TOML text, or nil to leave the key out.
    let render: @Sendable (Settings) -> String?

    public func applies(to kind: SourceKind) -> Bool { kinds.isEmpty || kinds.contains(kind) }
}

/// The keys of one table of mexd.toml, in the order check-config --print writes them.
public struct SettingTable<Settings: Sendable>: Sendable {
    public let name: String
    public let settings: [Setting<Settings>]
    /// Keys the table refuses with a reason of their own rather than as unknown: what
    /// must never be written in the file (a password).
    public let refused: [String: RefusedKey]
    /// Checks across keys, once the table is read.
    let check: (@Sendable (TableReader, Settings) -> Void)?

    init(_ name: String, _ settings: [Setting<Settings>], refused: [String: RefusedKey] = [:],
         check: (@Sendable (TableReader, Settings) -> Void)? = nil) {
        self.name = name
        self.settings = settings
        self.refused = refused
        self.check = check
    }

    public var keys: [String] { settings.map(\.key) }

    public subscript(key: String) -> Setting<Settings>? { settings.first { $0.key == key } }

    /// Reads the keys the reader's table holds into `settings`, then checks them
    /// together. Returns the keys given with a usable value.
    @discardableResult
    func read(_ r: TableReader, into settings: inout Settings) -> Set<String> {
        var given: Set<String> = []
        for setting in self.settings where setting.partOf == nil {
            if setting.read(r, &settings) { given.insert(setting.key) }
        }
        check?(r, settings)
        return given
    }

    /// `key = value` for each key in force in `settings` (of a source: that applies to its kind).
    func render(_ settings: Settings, kind: SourceKind? = nil, into out: inout TOMLWriter) {
        for setting in self.settings where setting.partOf == nil && (kind.map(setting.applies(to:)) ?? true) {
            if let value = setting.render(settings) { out.line("\(setting.key) = \(value)") }
        }
    }
}

/// A key that a table refuses whatever its value, and why.
public struct RefusedKey: Sendable, Equatable {
    public let message: String
    public let hint: String?
}

/// A settings struct whose `init()` holds every key's documented default.
protocol DefaultSettings: Sendable { init() }

extension DaemonSettings: DefaultSettings {}
extension JournalSettings: DefaultSettings {}
extension LimitSettings: DefaultSettings {}
extension ModelSettings: DefaultSettings {}
extension SpotterSettings: DefaultSettings {}
extension TrackingSettings: DefaultSettings {}
extension MQTTSettings: DefaultSettings {}

extension SourceConfiguration: DefaultSettings {
    /// The per-source defaults, before a table names the source, its kind and location.
    init() { self.init(name: "", kind: .file, location: "") }

    /// size = [w, h]: the width and height together.
    var size: Size? {
        get {
            guard let width, let height else { return nil }
            return Size(width: width, height: height)
        }
        set {
            width = newValue?.width
            height = newValue?.height
        }
    }
}

struct Size: Sendable, Equatable {
    var width: Int
    var height: Int
}

// MARK: Building the table

extension Setting where Settings: DefaultSettings {
    /// The general form: `read` gets the value (nil: absent or unusable, reported), which
    /// goes to `field`; `render` writes a value back as TOML text (nil: leave it out).
    /// `hasDefault` is false for the keys a table must give (a source's kind and location).
    static func value<Value>(_ key: String, _ type: SettingType, _ field: WritableKeyPath<Settings, Value> & Sendable,
                             kinds: [SourceKind] = [], partOf: String? = nil, hasDefault: Bool = true, _ doc: String,
                             read: @escaping @Sendable (TableReader) -> Value?,
                             inherit: (@Sendable (Value, inout Value) -> Void)? = nil,
                             render: @escaping @Sendable (Value) -> String?) -> Setting {
        Setting(key: key, type: type, defaultValue: hasDefault ? render(Settings()[keyPath: field]) : nil, doc: doc, field: field,
                kinds: kinds, partOf: partOf,
                read: { r, settings in
                    guard let value = read(r) else { return false }
                    settings[keyPath: field] = value
                    return true
                },
                inherit: { from, to in
                    if let inherit { inherit(from[keyPath: field], &to[keyPath: field]) } else { to[keyPath: field] = from[keyPath: field] }
                },
                render: { render($0[keyPath: field]) })
    }

    static func number(_ key: String, _ rule: NumberRule, maximum: Double, _ field: WritableKeyPath<Settings, Double> & Sendable,
                       _ doc: String) -> Setting {
        value(key, .number(rule, maximum: maximum), field, doc, read: { $0.number(key, rule, maximum: maximum) },
              render: { "\($0)" })
    }

    /// A number that is unset by default.
    static func number(_ key: String, _ rule: NumberRule, maximum: Double, _ field: WritableKeyPath<Settings, Double?> & Sendable,
                       kinds: [SourceKind] = [], _ doc: String) -> Setting {
        value(key, .number(rule, maximum: maximum), field, kinds: kinds, doc, read: { $0.number(key, rule, maximum: maximum).map(Optional.some) },
              render: { $0.map { "\($0)" } })
    }

    static func integer(_ key: String, minimum: Int, maximum: Int, _ field: WritableKeyPath<Settings, Int> & Sendable,
                        _ doc: String) -> Setting {
        value(key, .integer(minimum: minimum, maximum: maximum), field, doc,
              read: { $0.integer(key, minimum: minimum, maximum: maximum) }, render: { "\($0)" })
    }

    /// An integer that is unset by default.
    static func integer(_ key: String, minimum: Int, maximum: Int, _ field: WritableKeyPath<Settings, Int?> & Sendable,
                        kinds: [SourceKind] = [], partOf: String? = nil, _ doc: String) -> Setting {
        value(key, .integer(minimum: minimum, maximum: maximum), field, kinds: kinds, partOf: partOf, doc,
              read: { $0.integer(key, minimum: minimum, maximum: maximum).map(Optional.some) }, render: { $0.map { "\($0)" } })
    }

    static func bool(_ key: String, _ field: WritableKeyPath<Settings, Bool> & Sendable, kinds: [SourceKind] = [],
                     _ doc: String) -> Setting {
        value(key, .bool, field, kinds: kinds, doc, read: { $0.bool(key) }, render: { "\($0)" })
    }

    /// A string; `check` returns the error for a value it refuses.
    static func string(_ key: String, what: String, _ field: WritableKeyPath<Settings, String> & Sendable,
                       kinds: [SourceKind] = [], hasDefault: Bool = true, _ doc: String,
                       check: (@Sendable (String) -> String?)? = nil) -> Setting {
        value(key, .string(what: what), field, kinds: kinds, hasDefault: hasDefault, doc,
              read: { $0.string(key, what: what, check: check) }, render: TOMLWriter.quoted)
    }

    /// A string that is unset by default; `check` returns the error for a value it refuses.
    static func string(_ key: String, what: String, _ field: WritableKeyPath<Settings, String?> & Sendable, _ doc: String,
                       check: (@Sendable (String) -> String?)? = nil) -> Setting {
        value(key, .string(what: what), field, doc, read: { $0.string(key, what: what, check: check).map(Optional.some) },
              render: { $0.map(TOMLWriter.quoted) })
    }

    /// An array of strings; `check` returns the error for a value it refuses.
    static func strings(_ key: String, what: String, _ field: WritableKeyPath<Settings, [String]> & Sendable, _ doc: String,
                        check: (@Sendable ([String]) -> String?)? = nil) -> Setting {
        value(key, .strings(what: what), field, doc, read: { $0.strings(key, what: what, check: check) },
              render: { "[" + $0.map(TOMLWriter.quoted).joined(separator: ", ") + "]" })
    }

    /// One of `values`, written as its `name`.
    static func choice<Value: Sendable>(_ key: String, what: String = "a string", among values: [Value],
                                        name: @escaping @Sendable (Value) -> String,
                                        _ field: WritableKeyPath<Settings, Value> & Sendable, hasDefault: Bool = true,
                                        _ doc: String) -> Setting {
        let names = values.map(name)
        return value(key, .choice(what: what, values: names), field, hasDefault: hasDefault, doc,
                     read: { r in r.choice(key, what: what, among: names).flatMap { chosen in values.first { name($0) == chosen } } },
                     render: { TOMLWriter.quoted(name($0)) })
    }
}
