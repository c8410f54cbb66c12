import Foundation
import Logging
import MexConfig
import MexSession
import MexCore
import MexProtocol
import NIOConcurrencyHelpers
import ServiceLifecycle
import UnixSignals

/// Runs the configured sources and applies reloads (SIGHUP).
///
/// One Service supervises all source pipelines rather than one Service per source:
/// a ServiceGroup's services are fixed when it starts, and a reload must add, remove
/// and restart sources without touching the socket or its subscribers.
final class SourceSupervisor: Service, Sendable {
    private let context: RunnerContext
    private let loadConfiguration: @Sendable () throws -> DaemonConfiguration
    private let notifier: SystemdNotifier
    private let runners = NIOLockedValueBox<[String: SourceRunner]>([:])
    /// The configuration in force, to tell what a reload cannot change.
    private let applied: NIOLockedValueBox<DaemonConfiguration>
    private let scans: ScanQueue
    private let readyStatus: String

    init(configuration: DaemonConfiguration, context: RunnerContext, scans: ScanQueue, notifier: SystemdNotifier,
         readyStatus: String, loadConfiguration: @escaping @Sendable () throws -> DaemonConfiguration) {
        self.readyStatus = readyStatus
        applied = NIOLockedValueBox(configuration)
        self.context = context
        self.scans = scans
        self.notifier = notifier
        self.loadConfiguration = loadConfiguration
        // SOURCES lists every configured source from the first client on, "connecting"
        // until its runner starts.
        for source in configuration.sources {
            context.bus.board.register(source.name, kind: source.kind, location: source.location, enabled: source.enabled)
        }
    }

    private func start(_ runner: SourceRunner) {
        runners.withLockedValue { $0[runner.configuration.name] = runner }
        runner.start()
    }

    /// Starts the configured sources, then serves reloads (SIGHUP) and the scan queue
    /// until the group shuts down.
    func run() async throws {
        for source in applied.withLockedValue({ $0.sources }) { start(SourceRunner(source, context: context)) }
        notifier.ready(status: readyStatus)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [scans] in
                for await scan in scans.starts { self.startScan(name: scan.name, path: scan.path) }
            }
            for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
                await reload()
            }
            // Graceful shutdown: scans that have not started never will; every source
            // closes its open events ("shutdown"), and they are journaled and published
            // before the server says goodbye.
            scans.close()
            await group.waitForAll()
        }
        let all = runners.withLockedValue { Array($0.values) }
        await withTaskGroup(of: Void.self) { group in
            for runner in all { group.addTask { await runner.stop(reason: .shutdown) } }
        }
    }

    /// Re-reads the configuration: new spotter settings apply to every pipeline at its
    /// next frame; sources added, removed or changed are started, stopped or restarted;
    /// unchanged sources keep running. A configuration that does not load changes nothing.
    func reload() async {
        notifier.reloading()
        defer { notifier.status("reloaded") ; notifier.notify("READY=1") }
        let configuration: DaemonConfiguration
        do {
            configuration = try loadConfiguration()
        } catch {
            context.logger.error("reload failed, configuration unchanged: \(error)")
            return
        }
        let previous = applied.withLockedValue { old in defer { old = configuration }; return old }
        var needRestart: [String] = []
        if configuration.daemon != previous.daemon { needRestart.append("[daemon]") }
        if configuration.journal != previous.journal { needRestart.append("[journal]") }
        if configuration.limits != previous.limits { needRestart.append("[limits]") }
        if configuration.model != previous.model { needRestart.append("[model]") }
        if configuration.mqtt != previous.mqtt { needRestart.append("[mqtt]") }
        if !needRestart.isEmpty {
            context.logger.warning("reload: changes to \(needRestart.joined(separator: ", ")) take effect at the next restart")
        }
        context.analysis.replace(AnalysisSettings(spotter: configuration.spotter, tracking: configuration.tracking))
        let wanted = Dictionary(configuration.sources.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let current = runners.withLockedValue { $0 }
        for (name, runner) in current where !runner.oneShot {
            guard let replacement = wanted[name] else {
                await runner.stop(reason: .removed)
                runners.withLockedValue { $0[name] = nil }
                context.bus.board.remove(name)
                context.bus.publish(Records.source(name: name, state: .disabled, info: nil, reason: "removed from the configuration"), source: name)
                continue
            }
            if replacement != runner.configuration {
                await runner.stop(reason: .reload)
                start(SourceRunner(replacement, context: context))
            }
        }
        for source in configuration.sources where current[source.name] == nil {
            start(SourceRunner(source, context: context))
        }
        context.logger.notice("reloaded: \(configuration.sources.count) sources")
    }

    /// A SCAN the queue admitted: a one-off source of its own.
    private func startScan(name: String, path: String) {
        var source = SourceConfiguration(name: name, kind: .file, location: path)
        source.stallTimeout = 30
        start(SourceRunner(source, context: context, oneShot: true) { [weak self] runner in
            self?.scanEnded(runner)
        })
    }

    /// A scan has published its EOF (or its failure): it leaves SOURCES and the
    /// supervisor (and its retained state leaves the broker), its events stay in the
    /// journal, and the next waiting scan starts.
    private func scanEnded(_ runner: SourceRunner) {
        let name = runner.configuration.name
        runners.withLockedValue { if $0[name] === runner { $0[name] = nil } }
        context.bus.board.remove(name)
        context.bus.sourceLeft(name)
        scans.finished(name)
    }
}
