extension DaemonConfiguration {
    /// The effective configuration as mexd.toml text: every key with the value in force,
    /// defaults included and [defaults] already applied to each source, so it needs no
    /// [defaults] table. Loading it gives back the same configuration.
    public func renderTOML() -> String {
        var out = TOMLWriter()
        for section in ConfigSchema.sections {
            out.table(section.name)
            section.render(self, &out)
        }
        for source in sources {
            out.table("sources." + source.name)
            ConfigSchema.sourceTable.render(source, kind: source.kind, into: &out)
        }
        return out.text
    }
}

/// Just enough of a TOML writer for `renderTOML`: table headers and `key = value` lines.
struct TOMLWriter {
    var text = ""

    mutating func line(_ line: String) { text += line + "\n" }

    mutating func table(_ name: String) {
        if !text.isEmpty { text += "\n" }
        line("[\(name)]")
    }

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
