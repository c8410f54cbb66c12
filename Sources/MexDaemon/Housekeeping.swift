import Foundation
import Logging
import MexJournal
import MexProtocol
import MexServer
import ServiceLifecycle

/// STATS records, the STATUS= line, the systemd watchdog and journal retention.
struct Housekeeping: Service {
    var bus: EventBus
    var notifier: SystemdNotifier
    var statsInterval: Double
    var logger: Logger
    let started = Date()

    func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await statsLoop() }
            if let interval = notifier.watchdogInterval { group.addTask { await watchdogLoop(interval) } }
            group.addTask { await retentionLoop() }
        }
    }

    private func statsLoop() async {
        let interval = statsInterval > 0 ? statsInterval : 10
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(interval)) } } catch { return }
            if Task.isShuttingDownGracefully { return }
            if statsInterval > 0 { bus.publish(stats(), source: nil) }
            notifier.status(summary())
        }
    }

    /// WATCHDOG=1 at half the interval, only while no frame loop is stuck inside the
    /// pipeline: a hung loop stops the pings and systemd restarts the service.
    private func watchdogLoop(_ interval: Duration) async {
        let limit = interval.inSeconds
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            if bus.board.healthy(limit: limit) { notifier.watchdog() } else {
                logger.critical("a frame loop has been inside the pipeline for over \(Int(limit)) s; not petting the watchdog")
            }
            do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval / 2) } } catch { return }
        }
    }

    private func retentionLoop() async {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let deleted = try bus.journal.prune()
                if deleted > 0 { logger.info("journal: \(deleted) events past retention deleted") }
            } catch {
                logger.error("\(error)")
            }
            do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(3600)) } } catch { return }
        }
    }

    func stats() -> JSONObject {
        var o = JSONObject(class: "STATS")
        o.set("time", Records.timestamp(Date()))
        o.set("uptime_s", Date().timeIntervalSince(started), decimals: 1)
        let counters = bus.server.hub.counters
        o.set("clients", counters.clients)
        o.set("dropped_records", counters.dropped)
        o.set("slow_disconnects", counters.disconnectedSlow)
        o.set("last_seq", (try? bus.journal.lastSeq()).map { Int($0) })
        o.set("sources", .array(bus.board.all.map { s in
            var source = JSONObject()
            source.set("source", s.name)
            source.set("state", s.state)
            source.set("frames", s.frames)
            source.set("dropped_frames", s.droppedFrames)
            source.set("faces", s.faces)
            source.set("events", s.events)
            source.set("reconnects", s.reconnects)
            return .object(source)
        }))
        return o
    }

    /// One line for `systemctl status`.
    func summary() -> String {
        let all = bus.board.all
        let online = all.filter { $0.state == "online" }.count
        let events = all.reduce(0) { $0 + $1.events }
        return "\(online)/\(all.count) sources online, \(events) events, \(bus.server.hub.counters.clients) clients"
    }
}

/// Keeps the protocol server up for the group's life; on shutdown it tells every
/// subscriber (SHUTDOWN, with the last seq to POLL from after a restart) and closes.
struct ServerService: Service {
    var bus: EventBus
    var reason: @Sendable () -> String

    func run() async throws {
        try? await gracefulShutdown()
        var goodbye = JSONObject(class: "SHUTDOWN")
        goodbye.set("reason", reason())
        goodbye.set("last_seq", (try? bus.journal.lastSeq()).map { Int($0) })
        goodbye.set("time", Records.timestamp(Date()))
        await bus.server.shutdown(final: [OutgoingRecord(goodbye)])
    }
}
