import NIOCore
import NIOConcurrencyHelpers

/// The set of connected clients. `publish` may be called from any thread: each record
/// is handed to every subscriber on that subscriber's own event loop.
public final class SubscriberHub: Sendable {
    private struct Entry: Sendable {
        var loop: any EventLoop
        var handler: NIOLoopBound<SubscriberHandler>
    }

    /// Totals since start, for STATS.
    public struct Counters: Sendable, Equatable {
        public var clients = 0
        public var connections = 0
        public var refused = 0
        public var dropped = 0
        public var disconnectedSlow = 0
    }

    private let state = NIOLockedValueBox<(entries: [Int: Entry], counters: Counters, nextID: Int)>(([:], Counters(), 1))
    /// Subscribers that asked for FRAME records: sources skip making them when none did.
    private let frameSubscribers = NIOLockedValueBox<Set<Int>>([])
    private let maxClients: Int

    init(maxClients: Int) {
        self.maxClients = maxClients
    }

    public var counters: Counters {
        state.withLockedValue { s in
            var c = s.counters
            c.clients = s.entries.count
            return c
        }
    }

    /// A new id, or nil when the server is full.
    func reserve() -> Int? {
        state.withLockedValue { s in
            guard s.entries.count < maxClients else {
                s.counters.refused += 1
                return nil
            }
            defer { s.nextID += 1 }
            return s.nextID
        }
    }

    func add(_ handler: SubscriberHandler, loop: any EventLoop) {
        let entry = Entry(loop: loop, handler: NIOLoopBound(handler, eventLoop: loop))
        state.withLockedValue { s in
            s.entries[handler.id] = entry
            s.counters.connections += 1
        }
    }

    func remove(_ id: Int) {
        _ = state.withLockedValue { $0.entries.removeValue(forKey: id) }
        _ = frameSubscribers.withLockedValue { $0.remove(id) }
    }

    func setWantsFrames(_ id: Int, _ wants: Bool) {
        _ = frameSubscribers.withLockedValue { wants ? $0.insert(id).inserted : ($0.remove(id) != nil) }
    }

    /// How many subscribers take FRAME records.
    public var frameWatchers: Int { frameSubscribers.withLockedValue { $0.count } }

    func countDrop() { state.withLockedValue { $0.counters.dropped += 1 } }
    func countDisconnect() { state.withLockedValue { $0.counters.disconnectedSlow += 1 } }

    /// Hands a record to every subscriber; each decides by its WATCH whether it wants it.
    public func publish(_ record: OutgoingRecord) {
        let entries = state.withLockedValue { Array($0.entries.values) }
        for entry in entries {
            let handler = entry.handler
            entry.loop.execute { handler.value.deliver(record) }
        }
    }

    /// Sends `final` to every subscriber and closes the connections once written.
    func finishAll(with final: [OutgoingRecord]) -> [EventLoopFuture<Void>] {
        let entries = state.withLockedValue { Array($0.entries.values) }
        return entries.map { entry in
            let handler = entry.handler
            return entry.loop.submit { handler.value.finish(with: final) }
        }
    }
}
