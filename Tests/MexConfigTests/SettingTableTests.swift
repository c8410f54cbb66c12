import MexCore
import MexSpotting
import Testing
@testable import MexConfig

/// What every table's settings promise, checked key by key.
private func check<Settings>(_ settings: [Setting<Settings>], in table: String) {
    for setting in settings {
        #expect(!setting.doc.isEmpty, "\(table).\(setting.key) has no documentation")
        switch setting.type {
        case .number(let rule, let maximum):
            #expect(maximum.isFinite && (rule != .fraction || maximum == 1), "\(table).\(setting.key)")
        case .integer(let minimum, let maximum):
            #expect(minimum < maximum, "\(table).\(setting.key)")
        case .string(let what), .strings(let what), .choice(let what, _), .other(let what):
            #expect(!what.isEmpty, "\(table).\(setting.key)")
        case .bool:
            break
        }
        if let part = setting.partOf {
            #expect(settings.contains { $0.key == part && $0.partOf == nil }, "\(table).\(setting.key) is part of an unknown key")
        }
    }
    #expect(Set(settings.map(\.key)).count == settings.count, "a key of [\(table)] is listed twice")
}

/// A number just past a key's range, and the message it gets.
private func outOfRange(_ type: SettingType) -> (value: String, message: String)? {
    switch type {
    case .number(.fraction, _):
        return ("1.5", "expected a number from 0 to 1, got 1.5")
    case .number(let rule, let maximum):
        let bound = TableReader.literal(maximum)
        return (bound + "1", "expected \(rule.expectation) up to \(bound), got \(bound)1")
    case .integer(let minimum, let maximum) where maximum < Int.max:
        return ("\(maximum + 1)", "expected an integer from \(minimum) to \(maximum), got \(maximum + 1)")
    default:
        return nil
    }
}

@Suite struct SettingTableTests {
    @Test func everyKeyHasADocAndEveryNumberAnUpperBound() {
        check(ConfigSchema.daemonTable.settings, in: "daemon")
        check(ConfigSchema.journalTable.settings, in: "journal")
        check(ConfigSchema.limitsTable.settings, in: "limits")
        check(ConfigSchema.modelTable.settings, in: "model")
        check(ConfigSchema.spotterTable.settings, in: "spotter")
        check(ConfigSchema.trackingTable.settings, in: "tracking")
        check(ConfigSchema.mqttTable.settings, in: "mqtt")
        check(ConfigSchema.perSourceTable.settings, in: "defaults")
        check(ConfigSchema.sourceIdentitySettings, in: "sources.NAME")
        #expect(ConfigSchema.spotter.count == 32)
    }

    @Test func theLoaderChecksEachNumberAgainstItsTableRange() throws {
        var checked = 0
        for (name, keys) in ConfigSchema.tables where name != "sources" {
            for key in keys {
                let setting: SettingType? = switch name {
                case "daemon": ConfigSchema.daemonTable[key]?.type
                case "journal": ConfigSchema.journalTable[key]?.type
                case "limits": ConfigSchema.limitsTable[key]?.type
                case "model": ConfigSchema.modelTable[key]?.type
                case "spotter": ConfigSchema.spotterTable[key]?.type
                case "tracking": ConfigSchema.trackingTable[key]?.type
                case "mqtt": ConfigSchema.mqttTable[key]?.type
                default: ConfigSchema.perSourceTable[key]?.type
                }
                guard let type = setting, let (value, message) = outOfRange(type) else { continue }
                do {
                    _ = try ConfigurationLoader.parse("[\(name)]\n\(key) = \(value)\n")
                    Issue.record("\(name).\(key) = \(value) loaded")
                } catch {
                    #expect(error.errors.map(\.description) == ["mexd.toml:2: \(name).\(key): \(message)"])
                }
                checked += 1
            }
        }
        #expect(checked > 30)
    }

    @Test func everyDefaultLoadsAsTheDefault() throws {
        func lines<Settings>(_ table: SettingTable<Settings>) -> String {
            "[\(table.name)]\n" + table.settings.compactMap { setting in setting.defaultValue.map { "\(setting.key) = \($0)\n" } }.joined()
        }
        let text = lines(ConfigSchema.daemonTable) + lines(ConfigSchema.journalTable) + lines(ConfigSchema.limitsTable)
            + lines(ConfigSchema.modelTable) + lines(ConfigSchema.spotterTable) + lines(ConfigSchema.trackingTable)
            + lines(ConfigSchema.mqttTable) + lines(ConfigSchema.perSourceTable)
        let loaded = try ConfigurationLoader.parse(text)
        #expect(loaded.configuration == DaemonConfiguration())
        #expect(ConfigSchema.modelTable["path"]?.defaultValue == nil, "unset by default")
        #expect(ConfigSchema.spotterTable["history"]?.defaultValue == "30.0")
        #expect(ConfigSchema.daemonTable["socket_mode"]?.defaultValue == "\"0660\"")
    }

    /// check-config --print's text for the defaults, key for key as before the table.
    @Test func defaultsRenderAsBefore() {
        #expect(DaemonConfiguration().renderTOML() == """
            [daemon]
            socket = "/run/mexd/events.sock"
            socket_mode = "0660"
            stats_interval = 10.0
            log_level = "info"
            scan_roots = []

            [journal]
            path = "/var/lib/mexd/journal.sqlite"
            retention_days = 30.0
            max_events = 1000000
            snapshots = false

            [limits]
            max_clients = 64
            request_line_bytes = 65536
            idle_timeout = 300.0
            subscriber_queue = 1024
            max_scans = 2
            scan_queue = 16

            [model]
            classify = true

            [spotter]
            flow_span = 0.2
            score_rate = 200.0
            smoothing = 0.1
            history = 30.0
            warm_up = 1.0
            p = 0.0
            noise_k = 6.0
            minimum_threshold = 0.12
            hysteresis = 0.35
            look_ahead = 0.25
            raw_k = 4.0
            return_fraction = 0.5
            minimum_displacement = 0.15
            onset_pre_roll = 0.2
            boundary_fraction = 0.1
            settle_limit = 2.0
            search_margin = 0.3
            min_duration = 0.04
            maximum_score = 4.0
            micro_max = 0.5
            macro_max = 4.0
            equalise_regions = true
            report_movement = false
            head_motion_limit = 1.5
            detect_speech = true
            speech_span = 0.07
            speech_window = 1.0
            speech_check = 0.7
            speech_flips = 3
            speech_k = 2.5
            speech_minimum_level = 0.05
            speech_hold = 0.5

            [tracking]
            detection_interval = 1.0
            idle_detection_interval = 2.0
            change_gate = true

            [mqtt]
            tls = false
            qos = 1
            keepalive = 60
            publish = ["EVENT"]
            backlog = 0
            reconnect_initial = 1.0
            reconnect_max = 60.0

            """)
    }

    // MARK: mexd-bench --set

    @Test func assignmentsSetEverySpotterKey() throws {
        // Each key to a value of its own type and range, away from its default.
        var assignments: [String] = []
        var expected = SpotterSettings()
        for setting in ConfigSchema.spotterTable.settings {
            if let field = setting.field as? WritableKeyPath<SpotterSettings, Int> {
                expected[keyPath: field] += 1
                assignments.append("\(setting.key)=\(expected[keyPath: field])")
                continue
            }
            guard let field = setting.field as? WritableKeyPath<SpotterSettings, Double> else {
                let field = try #require(setting.field as? WritableKeyPath<SpotterSettings, Bool>)
                expected[keyPath: field].toggle()
                assignments.append("\(setting.key)=\(expected[keyPath: field])")
                continue
            }
            expected[keyPath: field] *= 0.9
            assignments.append("\(setting.key)=\(expected[keyPath: field])")
        }
        #expect(assignments.count == 32)
        #expect(try ConfigSchema.spotterSettings(assigning: assignments) == expected)
        #expect(try ConfigSchema.spotterSettings(assigning: []) == SpotterSettings())
        #expect(try ConfigSchema.spotterSettings(assigning: ["history=20", "history=25"]).history == 25, "the later one wins")
    }

    @Test func assignmentsAreCheckedAsTheFileIs() {
        func problems(_ assignments: [String]) -> [String] {
            do {
                _ = try ConfigSchema.spotterSettings(assigning: assignments)
                return []
            } catch {
                return error.errors.map(\.description)
            }
        }
        #expect(problems(["p=1.5"]) == ["--set: p: expected a number from 0 to 1, got 1.5"])
        #expect(problems(["history=601"]) == ["--set: history: expected a positive number up to 600, got 601"])
        #expect(problems(["noise_k=abc"]) == ["--set: noise_k: expected a number, got a string (\"abc\")"])
        #expect(problems(["equalise_regions=1"]) == ["--set: equalise_regions: expected true or false, got an integer (1)"])
        #expect(problems(["flowspan=0.1"]) == ["--set: flowspan: unknown key (hint: did you mean flow_span?)"])
        #expect(problems(["p"]) == ["--set: expected key=value, got \"p\""])
        #expect(problems(["micro_max=5"]) == [
            "--set: micro_max: micro_max (5) must be shorter than macro_max (4) (hint: micro-expressions last up to 0.5 s, macro-expressions up to about 4 s)",
        ])
    }
}
