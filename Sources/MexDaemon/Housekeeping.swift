import Foundation
import Logging
import MexJournal
import MexProtocol
import MexServer
import ServiceLifecycle

/// STATS records, the STATUS= line, the systemd watchdog and journal retention.
struct Housekeeping: Service {
    var bus: EventBus
    var journal: EventJournal
    var hub: SubscriberHub
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
                let pruned = try journal.pruneReport()
                if pruned.events > 0 { logger.info("journal: \(pruned.events) events past retention deleted") }
                if let error = pruned.snapshotError { logger.error("journal: pictures of deleted events left behind: \(error)") }
            } catch {
                logger.error("\(error)")
            }
            do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(3600)) } } catch { return }
        }
    }

    func stats() -> JSONObject {
        let counters = hub.counters
        return Records.stats(uptime: Date().timeIntervalSince(started),
                             server: .init(clients: counters.clients, droppedRecords: counters.dropped,
                                           slowDisconnects: counters.disconnectedSlow),
                             lastSeq: try? journal.lastSeq(), sources: bus.board.totals)
    }

    /// One line for `systemctl status`.
    func summary() -> String {
        let all = bus.board.all
        let online = all.filter { $0.state == .online }.count
        let events = all.reduce(0) { $0 + $1.events }
        return "\(online)/\(all.count) sources online, \(events) events, \(hub.counters.clients) clients"
    }
}

/// Keeps the protocol server up for the group's life; on shutdown it tells every
/// subscriber (SHUTDOWN, with the last seq to POLL from after a restart) and closes.
struct ServerService: Service {
    var server: ProtocolServer
    var journal: EventJournal

    func run() async throws {
        try? await gracefulShutdown()
        let goodbye = Records.shutdown(reason: "shutdown", lastSeq: try? journal.lastSeq())
        await server.shutdown(final: [OutgoingRecord(goodbye)])
    }
}
