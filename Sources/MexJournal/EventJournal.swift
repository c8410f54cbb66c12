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
public final class EventJournal: Sendable {
    private let pool: DatabasePool
    public let path: String
    public let retention: JournalRetention

    public init(path: String, retention: JournalRetention = JournalRetention(), readOnly: Bool = false) throws(JournalError) {
        self.path = path
        self.retention = retention
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
            if !readOnly { try Self.migrator.migrate(pool) }
        } catch let error as JournalError {
            throw error
        } catch {
            throw .open(path: path, reason: Self.reason(error))
        }
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE event (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    time REAL NOT NULL,
                    source TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    label TEXT,
                    record TEXT NOT NULL
                );
                CREATE INDEX event_source ON event(source, seq);
                CREATE INDEX event_time ON event(time);
                """)
        }
        return migrator
    }

    /// Stores an event. `record` builds the published JSON from the seq the journal
    /// assigns; the row is committed with that JSON in one transaction.
    @discardableResult
    public func append(time: Double, source: String, kind: String, label: String?,
                       record: (Int64) -> String) throws(JournalError) -> JournalEntry {
        do {
            return try pool.write { db in
                try db.execute(sql: "INSERT INTO event (time, source, kind, label, record) VALUES (?, ?, ?, ?, '')",
                               arguments: [time, source, kind, label])
                let seq = db.lastInsertedRowID
                let json = record(seq)
                try db.execute(sql: "UPDATE event SET record = ? WHERE seq = ?", arguments: [json, seq])
                return JournalEntry(seq: seq, time: time, source: source, kind: kind, label: label, record: json)
            }
        } catch {
            throw .database(Self.reason(error))
        }
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
        let sql = "SELECT seq, time, source, kind, label, record FROM event \(filter) ORDER BY seq \(order) LIMIT ?"
        _ = arguments.append(contentsOf: [max(0, query.limit)])
        let args = arguments
        do {
            let rows = try pool.read { db in try Row.fetchAll(db, sql: sql, arguments: args) }
            let entries = rows.map {
                JournalEntry(seq: $0["seq"], time: $0["time"], source: $0["source"], kind: $0["kind"],
                             label: $0["label"], record: $0["record"])
            }
            return query.since == nil ? entries.reversed() : entries
        } catch {
            throw .database(Self.reason(error))
        }
    }

    /// The largest seq ever assigned (0 for a new journal), pruned events included.
    public func lastSeq() throws(JournalError) -> Int64 {
        do {
            return try pool.read { db in
                let assigned = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'event'")
                return assigned ?? 0
            }
        } catch {
            throw .database(Self.reason(error))
        }
    }

    public func count() throws(JournalError) -> Int {
        do {
            return try pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM event") ?? 0 }
        } catch {
            throw .database(Self.reason(error))
        }
    }

    /// Deletes what the retention no longer keeps; returns how many events went.
    @discardableResult
    public func prune(now: Double = Date().timeIntervalSince1970) throws(JournalError) -> Int {
        let retention = self.retention
        do {
            return try pool.write { db in
                var deleted = 0
                if retention.days > 0 {
                    try db.execute(sql: "DELETE FROM event WHERE time < ?", arguments: [now - retention.days * 86_400])
                    deleted += db.changesCount
                }
                if retention.maxEvents > 0 {
                    try db.execute(sql: """
                        DELETE FROM event WHERE seq <= (SELECT seq FROM event ORDER BY seq DESC LIMIT 1 OFFSET ?)
                        """, arguments: [retention.maxEvents])
                    deleted += db.changesCount
                }
                return deleted
            }
        } catch {
            throw .database(Self.reason(error))
        }
    }

    private static func reason(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "\(error)" }
        return "\(error)"
    }
}
