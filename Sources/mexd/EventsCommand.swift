import ArgumentParser
import Foundation
import MexConfig
import MexCore
import MexJournal
import MexReport

/// `mexd events`: reads the event journal directly (the daemon need not run).
struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Print events from the journal as JSON Lines, oldest first.",
        discussion: """
            Without --since, the last --limit events; with it, the first --limit events after that \
            seq. The journal's path comes from --journal, else from the configuration ([journal] path). \
            With --report, the same events are drawn into one HTML page instead, each with its \
            snapshots (when the daemon kept them: [journal] snapshots) and its score curve.
            """)

    @Option(help: "The journal file (default: the configuration's [journal] path).")
    var journal: String?

    @Option(name: [.customShort("c"), .customLong("config")],
            help: "The configuration file, for the journal's path (default: \(ConfigurationLoader.defaultPath) if it exists).")
    var config: String?

    @Option(help: "Only events after this seq.")
    var since: Int?

    @Option(help: "Only this source (repeatable).")
    var source: [String] = []

    @Option(help: "Only events with this label (e.g. surprise).")
    var label: String?

    @Option(help: "At most this many events.")
    var limit = 100

    @Flag(help: "One line per event instead of JSON.")
    var human = false

    @Option(help: ArgumentHelp("Write the events as an HTML page (pictures inline) instead of printing them.", valueName: "file.html"))
    var report: String?

    func validate() throws {
        if limit <= 0 { throw ValidationError("--limit must be positive") }
        if let since, since < 0 { throw ValidationError("--since must be >= 0") }
    }

    func run() throws {
        let path: String
        if let journal {
            path = journal
        } else if let config {
            // A file the user named must load; the default one may be absent.
            do { path = try ConfigurationLoader.load(contentsOf: config).configuration.journal.path } catch {
                FileHandle.standardError.write(Data("mexd: \(error)\n".utf8))
                throw ExitStatus(error).exitCode
            }
        } else {
            path = (try? ConfigurationLoader.load(contentsOf: ConfigurationLoader.defaultPath))?.configuration.journal.path
                ?? JournalSettings().path
        }
        let store: EventJournal
        do { store = try EventJournal(path: path, readOnly: true) } catch {
            FileHandle.standardError.write(Data("mexd: \(error)\n".utf8))
            throw ExitStatus.noInput.exitCode
        }
        let entries: [JournalEntry]
        do {
            entries = try store.entries(JournalQuery(since: since.map(Int64.init), sources: source.isEmpty ? nil : source,
                                                     label: label, limit: limit))
        } catch {
            FileHandle.standardError.write(Data("mexd: \(error)\n".utf8))
            throw ExitStatus.dataError.exitCode
        }
        if let report {
            try writeReport(entries, journal: store, to: report)
            return
        }
        for entry in entries {
            print(human ? (EventLine.human(entry.record) ?? entry.record) : entry.record)
        }
    }

    private func writeReport(_ entries: [JournalEntry], journal: EventJournal, to path: String) throws {
        let events = entries.compactMap { entry in
            var series: MotionSeries?
            if let json = try? journal.series(seq: entry.seq) {
                series = try? JSONDecoder().decode(MotionSeries.self, from: Data(json.utf8))
            }
            return ReportEvent(record: entry.record, series: series)
        }
        var asked = since.map { "events after seq \($0)" } ?? "the last \(limit) events"
        if !source.isEmpty { asked += ", sources \(source.joined(separator: ", "))" }
        if let label { asked += ", label \(label)" }
        let page = EventsPage(title: "mexd events", subtitle: "\(journal.path): \(asked)", events: events)
        do { try page.write(to: path) } catch {
            FileHandle.standardError.write(Data("mexd: \(error)\n".utf8))
            throw ExitStatus.cantCreate.exitCode
        }
    }
}
