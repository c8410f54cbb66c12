import Foundation
import Logging
import MexConfig
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
    private let scans = NIOLockedValueBox(0)

    init(configuration: DaemonConfiguration, context: RunnerContext, notifier: SystemdNotifier,
         loadConfiguration: @escaping @Sendable () throws -> DaemonConfiguration) {
        applied = NIOLockedValueBox(configuration)
        self.context = context
        self.notifier = notifier
        self.loadConfiguration = loadConfiguration
        for source in configuration.sources { start(SourceRunner(source, context: context)) }
    }

    private func start(_ runner: SourceRunner) {
        runners.withLockedValue { $0[runner.configuration.name] = runner }
        runner.start()
    }

    func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            await reload()
        }
        // Graceful shutdown: every source closes its open events ("shutdown"), and
        // they are journaled and published before the server says goodbye.
        let all = runners.withLockedValue { Array($0.values) }
        await withTaskGroup(of: Void.self) { group in
            for runner in all { group.addTask { await runner.stop(reason: "shutdown") } }
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
        if !needRestart.isEmpty {
            context.logger.warning("reload: changes to \(needRestart.joined(separator: ", ")) take effect at the next restart")
        }
        context.spotter.replace(configuration.spotter)
        let wanted = Dictionary(configuration.sources.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let current = runners.withLockedValue { $0 }
        for (name, runner) in current where !runner.oneShot {
            guard let replacement = wanted[name] else {
                await runner.stop(reason: "removed")
                runners.withLockedValue { $0[name] = nil }
                context.bus.board.remove(name)
                context.bus.publish(Records.source(name: name, state: "disabled", info: nil, reason: "removed from the configuration"), source: name)
                continue
            }
            if replacement != runner.configuration {
                await runner.stop(reason: "reload")
                start(SourceRunner(replacement, context: context))
            }
        }
        for source in configuration.sources where current[source.name] == nil {
            start(SourceRunner(source, context: context))
        }
        context.logger.notice("reloaded: \(configuration.sources.count) sources")
    }

    /// SCAN: scans a file once, as a source of its own named scan-N.
    func scan(path: String) -> String {
        let number = scans.withLockedValue { n -> Int in n += 1; return n }
        let name = "scan-\(number)"
        var source = SourceConfiguration(name: name, kind: .file, location: path)
        source.stallTimeout = 30
        start(SourceRunner(source, context: context, oneShot: true))
        return name
    }
}
