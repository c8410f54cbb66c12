import Foundation
import GRDB

/// One journaled EVENT record.
public struct JournalEntry: Sendable, Equatable {
    /// The event's sequence number: unique and increasing for the life of the journal,
    /// across restarts and pruning.
    public var seq: Int64
    /// Wall-clock time the event was emitted, in seconds since 1970.
    public var time: Double
    public var source: String
    public var kind: String
    public var label: String?
    /// The record exactly as it was published: one JSON object, no newline.
    public var record: String
}

extension JournalEntry {
    /// The columns of table `event` that make an entry, for SELECT.
    static let columns = "seq, time, source, kind, label, record"

    /// An entry from a row of `columns`.
    init(row: Row) {
        self.init(seq: row["seq"], time: row["time"], source: row["source"], kind: row["kind"], label: row["label"], record: row["record"])
    }
}

/// What `mexd events` and POLL ask the journal for.
public struct JournalQuery: Sendable, Equatable {
    /// Only events with a larger seq.
    public var since: Int64?
    public var sources: [String]?
    public var label: String?
    /// With `since`: the first `limit` after it; without: the last `limit` events.
    public var limit: Int

    public init(since: Int64? = nil, sources: [String]? = nil, label: String? = nil, limit: Int = 100) {
        self.since = since
        self.sources = sources
        self.label = label
        self.limit = limit
    }
}

/// How long events are kept.
public struct JournalRetention: Sendable, Equatable {
    /// Days; 0 keeps events forever.
    public var days: Double
    /// Events; 0 means no limit.
    public var maxEvents: Int

    public init(days: Double = 30, maxEvents: Int = 1_000_000) {
        self.days = days
        self.maxEvents = maxEvents
    }
}

public enum JournalError: Error, CustomStringConvertible, Sendable {
    case open(path: String, reason: String)
    case database(String)

    public var description: String {
        switch self {
        case let .open(path, reason): "cannot open the event journal \(path): \(reason)"
        case let .database(reason): "event journal: \(reason)"
        }
    }
}

/// The SQLite event journal (docs/ARCHITECTURE.md sections 3.7 and 8.3): every EVENT
/// is stored, with its seq, before it is published, so a subscriber that was away can
/// catch up.
///
/// WAL with synchronous=FULL: a commit is on disk before `append` returns, so neither
/// kill -9 nor a power cut loses an event a subscriber may have seen. Events are rare
/// (at most a few per second), so the fsync per event costs nothing that matters.
/// AUTOINCREMENT keeps seq increasing even after the newest rows were pruned.
///
/// Events may have pictures (`SnapshotFolder`, in `snapshotDirectory`) and a motion
/// series (table `event_series`); both go when their event is pruned.
public final class EventJournal: Sendable {
    private let pool: DatabasePool
    public let path: String
    public let retention: JournalRetention
    /// Where the events' pictures are: `<path>-snapshots`, made absolute.
    let snapshots: SnapshotFolder

    public init(path: String, retention: JournalRetention = JournalRetention(), readOnly: Bool = false) throws(JournalError) {
        self.path = path
        self.retention = retention
        // One folder per journal, named after it: the orphan sweep in `prune` may then
        // delete whatever in it has no row, and never touches another journal's pictures.
        snapshots = SnapshotFolder(path: URL(fileURLWithPath: path + "-snapshots").standardizedFileURL.path)
        var configuration = Configuration()
        configuration.readonly = readOnly
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            if !db.configuration.readonly { try db.execute(sql: "PRAGMA synchronous = FULL") }
        }
        do {
            if !readOnly {
                let directory = (path as NSString).deletingLastPathComponent
                if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
            } else if !FileManager.default.fileExists(atPath: path) {
                throw JournalError.open(path: path, reason: "no such file")
            }
            pool = try DatabasePool(path: path, configuration: configuration)
            if !readOnly { try JournalSchema.migrator.migrate(pool) }
        } catch let error as JournalError {
            throw error
        } catch {
            throw .open(path: path, reason: Self.reason(error))
        }
    }

    /// Stores an event. `record` builds the published JSON from the seq the journal
    /// assigns; the row is committed with that JSON in one transaction.
    @discardableResult
    public func append(time: Double, source: String, kind: String, label: String?,
                       record: (Int64) -> String) throws(JournalError) -> JournalEntry {
        try append(time: time, source: source, kind: kind, label: label, pictures: []) { seq, _ in record(seq) }.entry
    }

    /// Events in seq order.
    public func entries(_ query: JournalQuery) throws(JournalError) -> [JournalEntry] {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let since = query.since {
            conditions.append("seq > ?")
            _ = arguments.append(contentsOf: [since])
        }
        if let sources = query.sources, !sources.isEmpty {
            conditions.append("source IN (\(Array(repeating: "?", count: sources.count).joined(separator: ",")))")
            _ = arguments.append(contentsOf: StatementArguments(sources))
        }
        if let label = query.label {
            conditions.append("label = ?")
            _ = arguments.append(contentsOf: [label])
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        // Since a seq: the next ones. Otherwise: the newest, returned oldest first.
        let order = query.since == nil ? "DESC" : "ASC"
        let sql = "SELECT \(JournalEntry.columns) FROM event \(filter) ORDER BY seq \(order) LIMIT ?"
        _ = arguments.append(contentsOf: [max(0, query.limit)])
        let args = arguments
        let entries = try reading { db in try Row.fetchAll(db, sql: sql, arguments: args).map(JournalEntry.init(row:)) }
        return query.since == nil ? entries.reversed() : entries
    }

    /// The largest seq ever assigned (0 for a new journal), pruned events included.
    public func lastSeq() throws(JournalError) -> Int64 {
        try reading(Self.lastSeq)
    }

    static func lastSeq(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'event'") ?? 0
    }

    public func count() throws(JournalError) -> Int {
        try reading { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM event") ?? 0 }
    }

    /// Runs `body` in a write transaction, committed when it returns. When the
    /// transaction does not commit, `undo` runs before the next writer may start, to take
    /// back what `body` did outside the database.
    func writing<T>(_ body: (Database) throws -> T, undo: () -> Void = {}) throws(JournalError) -> T {
        do {
            return try pool.writeWithoutTransaction { db in
                var result: T?
                do {
                    try db.inTransaction {
                        result = try body(db)
                        return .commit
                    }
                } catch {
                    undo()
                    throw error
                }
                return result!
            }
        } catch {
            throw .database(Self.reason(error))
        }
    }

    /// Runs `body` on a snapshot of what is committed.
    func reading<T>(_ body: (Database) throws -> T) throws(JournalError) -> T {
        do {
            return try pool.read(body)
        } catch {
            throw .database(Self.reason(error))
        }
    }

    private static func reason(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "\(error)" }
        return "\(error)"
    }
}
