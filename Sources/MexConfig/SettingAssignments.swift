import MexSpotting
import TOMLKit

extension ConfigSchema {
    /// [spotter] settings from `key=value` arguments (mexd-bench --set), over `base`.
    /// Each key is one of `spotterTable`'s, its value is read as mexd.toml would read it
    /// (a TOML value, checked against the key's type and range), and the table's checks
    /// across keys run on the result. A later argument for a key wins. The issues name
    /// the argument's key, in a file called `--set`.
    public static func spotterSettings(assigning assignments: [String], over base: SpotterSettings = SpotterSettings())
        throws(ConfigError) -> SpotterSettings {
        let table = TOMLTable()
        let issues = IssueCollector(file: "--set", locator: TOMLKeyLocator(""))
        for assignment in assignments {
            guard let equals = assignment.firstIndex(of: "="), equals != assignment.startIndex else {
                issues.error([], "expected key=value, got \"\(assignment)\"")
                continue
            }
            let text = String(assignment[assignment.index(after: equals)...])
            table[String(assignment[..<equals])] = value(text)
        }
        let reader = TableReader(table, path: [], known: spotterTable.keys, issues: issues)
        reader.reportUnknownKeys()
        var settings = base
        spotterTable.read(reader, into: &settings)
        if issues.issues.contains(where: { $0.severity == .error }) { throw .invalid(issues.issues) }
        return settings
    }

    /// `text` as a TOML value (0.3, true, 1e-2), or else as the string it is.
    private static func value(_ text: String) -> TOMLValueConvertible {
        if !text.contains("\n"), let value = (try? TOMLTable(string: "value = " + text))?["value"] { return value }
        return text
    }
}
