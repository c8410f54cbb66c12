import Foundation
import MexClassify
import MexJournal
import MexProtocol
import MexServer
import NIOConcurrencyHelpers

/// Answers the protocol's requests from the daemon's state and journal.
final class DaemonResponder: ProtocolResponder {
    private let release: String
    private let card: ModelCard?
    private let board: SourceBoard
    private let journal: EventJournal
    /// Set once the supervisor exists (it needs the server, which needs this).
    let supervisor = NIOLockedValueBox<SourceSupervisor?>(nil)

    init(release: String, card: ModelCard?, board: SourceBoard, journal: EventJournal) {
        self.release = release
        self.card = card
        self.board = board
        self.journal = journal
    }

    func version() -> JSONObject {
        var o = JSONObject(class: "VERSION")
        o.set("release", release)
        o.set("proto_major", Records.protoMajor)
        o.set("proto_minor", Records.protoMinor)
        if let card {
            var model = JSONObject()
            model.set("name", card.name)
            model.set("version", card.versionLabel)
            // As in EVENT's model object: the number of classes; the names are labels.
            model.set("classes", card.classes.count)
            model.set("labels", .array(card.classes.map(JSONObject.Value.string)))
            o.set("model", model)
        }
        return o
    }

    func sources() -> JSONObject { board.record() }

    func poll(_ request: PollRequest) async throws -> [String] {
        let query = JournalQuery(since: request.since, sources: request.sources, limit: Int(request.count ?? 10))
        return try journal.entries(query).map(\.record)
    }

    func scan(path: String) async throws -> JSONObject {
        guard let supervisor = supervisor.withLockedValue({ $0 }) else {
            return Records.error("not ready", request: "SCAN")
        }
        var o = JSONObject(class: "SCAN")
        switch supervisor.scan(path: path) {
        case .refused(let why):
            return Records.error(why, request: "SCAN")
        case let .running(name, file):
            o.set("path", file)
            o.set("source", name)
            o.set("state", "running")
        case let .queued(name, file, position):
            o.set("path", file)
            o.set("source", name)
            o.set("state", "queued")
            o.set("position", position)
        }
        return o
    }
}
