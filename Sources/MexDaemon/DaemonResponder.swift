import Foundation
import MexJournal
import MexProtocol
import MexServer

/// Answers the protocol's requests from the daemon's state and journal.
final class DaemonResponder: ProtocolResponder {
    private let release: String
    private let model: Records.ModelSummary?
    private let board: SourceBoard
    private let journal: EventJournal
    private let scanRoots: ScanRoots
    private let scans: ScanQueue

    init(release: String, model: Records.ModelSummary?, board: SourceBoard, journal: EventJournal, scanRoots: ScanRoots,
         scans: ScanQueue) {
        self.release = release
        self.model = model
        self.board = board
        self.journal = journal
        self.scanRoots = scanRoots
        self.scans = scans
    }

    func version() -> JSONObject { Records.version(release: release, model: model) }

    func sources() -> JSONObject { board.record() }

    func poll(_ request: PollRequest) async throws -> [String] {
        let query = JournalQuery(since: request.since, sources: request.sources, limit: Int(request.count ?? 10))
        return try journal.entries(query).map(\.record)
    }

    /// Admits a SCAN ([daemon] scan_roots, [limits] max_scans and scan_queue); the
    /// source supervisor starts it from the scan queue.
    func scan(path: String) async throws -> JSONObject {
        let file: String
        switch scanRoots.admit(path) {
        case .failure(let refusal): return Records.error(refusal.description, request: .scan)
        case .success(let resolved): file = resolved
        }
        switch scans.admit(path: file) {
        case .refused(let why): return Records.error(why, request: .scan)
        case .run(let name): return Records.scan(path: file, source: name, state: .running)
        case let .wait(name, position): return Records.scan(path: file, source: name, state: .queued, position: position)
        }
    }
}
