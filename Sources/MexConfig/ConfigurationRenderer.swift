import MexSpotting

extension DaemonConfiguration {
    /// The effective configuration as mexd.toml text: every key with the value in force,
    /// defaults included and [defaults] already applied to each source, so it needs no
    /// [defaults] table. Loading it gives back the same configuration.
    public func renderTOML() -> String {
        var out = TOMLWriter()
        out.table("daemon")
        out.key("socket", string: daemon.socket)
        out.key("socket_mode", string: "0" + String(daemon.socketMode, radix: 8))
        if let group = daemon.socketGroup { out.key("socket_group", string: group) }
        out.key("stats_interval", daemon.statsInterval)
        out.key("log_level", string: daemon.logLevel)
        out.line("scan_roots = [" + daemon.scanRoots.map(TOMLWriter.quoted).joined(separator: ", ") + "]")

        out.table("journal")
        out.key("path", string: journal.path)
        out.key("retention_days", journal.retentionDays)
        out.key("max_events", journal.maxEvents)

        out.table("limits")
        out.key("max_clients", limits.maxClients)
        out.key("request_line_bytes", limits.requestLineBytes)
        out.key("idle_timeout", limits.idleTimeout)
        out.key("subscriber_queue", limits.subscriberQueue)
        out.key("max_scans", limits.maxScans)
        out.key("scan_queue", limits.scanQueue)

        out.table("model")
        if let path = model.path { out.key("path", string: path) }
        if let cascade = model.cascade { out.key("cascade", string: cascade) }
        out.key("classify", model.classify)

        out.table("spotter")
        let s = spotter
        for (key, value) in [("flow_span", s.flowSpan), ("smoothing", s.smoothing), ("history", s.history), ("warm_up", s.warmUp), ("p", s.p),
                             ("noise_k", s.noiseK), ("minimum_threshold", s.minimumThreshold),
                             ("hysteresis", s.hysteresis), ("look_ahead", s.lookAhead), ("raw_k", s.rawK),
                             ("return_fraction", s.returnFraction), ("minimum_displacement", s.minimumDisplacement),
                             ("onset_pre_roll", s.onsetPreRoll), ("boundary_fraction", s.boundaryFraction), ("settle_limit", s.settleLimit),
                             ("search_margin", s.searchMargin), ("min_duration", s.minDuration),
                             ("micro_max", s.microMax), ("macro_max", s.macroMax)] {
            out.key(key, value)
        }
        out.key("equalise_regions", s.equaliseRegions)
        out.key("report_movement", s.reportMovement)
        out.key("head_motion_limit", s.headMotionLimit)

        for source in sources {
            out.table("sources." + source.name)
            out.key("kind", string: source.kind.rawValue)
            out.key(ConfigSchema.locationKey(for: source.kind), string: source.location)
            if let fps = source.fps { out.key("fps", fps) }
            if let width = source.width, let height = source.height {
                out.line("size = [\(width), \(height)]")
            }
            if !source.controls.isEmpty {
                let pairs = source.controls.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }
                out.line("controls = { \(pairs.joined(separator: ", ")) }")
            }
            out.key("reconnect_initial", source.reconnectInitial)
            out.key("reconnect_max", source.reconnectMax)
            out.key("stall_timeout", source.stallTimeout)
            out.key("enabled", source.enabled)
            if source.kind == .file {
                out.key("realtime", source.realtime)
                out.key("loop", source.loop)
            }
        }
        return out.text
    }
}

/// Just enough of a TOML writer for `renderTOML`: tables, and keys with scalars.
private struct TOMLWriter {
    var text = ""

    mutating func line(_ line: String) { text += line + "\n" }

    mutating func table(_ name: String) {
        if !text.isEmpty { text += "\n" }
        line("[\(name)]")
    }

    mutating func key(_ key: String, string: String) { line("\(key) = \(Self.quoted(string))") }
    mutating func key(_ key: String, _ value: Double) { line("\(key) = \(value)") }
    mutating func key(_ key: String, _ value: Int) { line("\(key) = \(value)") }
    mutating func key(_ key: String, _ value: Bool) { line("\(key) = \(value)") }

    /// A TOML basic string.
    static func quoted(_ string: String) -> String {
        var out = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                        + String(scalar.value, radix: 16, uppercase: true)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
