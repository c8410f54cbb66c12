import Foundation
import Logging
import MexClassify
import MexConfig
import MexFace
import MexJournal
import MexMQTT
import MexPipeline
import MexProtocol
import MexServer
import MexSession
import ServiceLifecycle

/// Why the daemon could not start; `mexd run` maps each to its exit status (mexd(8)).
public enum DaemonError: Error, CustomStringConvertible, Sendable {
    case journal(JournalError)
    case model(String)
    case cascade(String)
    case socket(ServerError)
    /// A file [mqtt] names cannot be used (the password, a TLS file).
    case mqtt(MQTTError)

    public var description: String {
        switch self {
        case .journal(let error): "\(error)"
        case .model(let reason): "model: \(reason)"
        case .cascade(let reason): "face detector: \(reason)"
        case .socket(let error): "\(error)"
        case .mqtt(let error): "\(error)"
        }
    }
}

/// `mexd run`: the configured sources, the socket, the journal and housekeeping under
/// one ServiceGroup (docs/ARCHITECTURE.md section 4). Everything is made here and
/// handed to what uses it; the sources start when the group runs. SIGTERM and SIGINT
/// drain and return; SIGHUP reloads.
public struct Daemon: Sendable {
    public var configuration: DaemonConfiguration
    /// Re-reads the configuration file (SIGHUP).
    public var loadConfiguration: @Sendable () throws -> DaemonConfiguration
    /// The bundled model, used when the configuration names none.
    public var defaultModel: String?
    public var release: String
    public var logger: Logger

    public init(configuration: DaemonConfiguration, loadConfiguration: @escaping @Sendable () throws -> DaemonConfiguration,
                defaultModel: String?, release: String, logger: Logger) {
        self.configuration = configuration
        self.loadConfiguration = loadConfiguration
        self.defaultModel = defaultModel
        self.release = release
        self.logger = logger
    }

    public func run() async throws(DaemonError) {
        let notifier = SystemdNotifier()
        let journal: EventJournal
        do {
            journal = try EventJournal(path: configuration.journal.path,
                                       retention: JournalRetention(days: configuration.journal.retentionDays,
                                                                   maxEvents: configuration.journal.maxEvents))
        } catch {
            throw .journal(error)
        }
        var classifier: Classifier?
        if configuration.model.classify {
            if let path = configuration.model.path ?? defaultModel {
                do { classifier = try Classifier(modelPath: path) } catch { throw .model("\(error)") }
            } else {
                logger.warning("no model found: events are spotted but not classified ([model] path)")
            }
        }
        let cascade = configuration.model.cascade ?? HaarFaceDetector.defaultCascade
        do { _ = try HaarFaceDetector(cascadePath: cascade) } catch { throw .cascade("\(error)") }
        let mqtt: MQTTPublisher?
        do { mqtt = try makePublisher(journal: journal) } catch { throw .mqtt(error) }

        let board = SourceBoard()
        let scans = ScanQueue(maxRunning: configuration.limits.maxScans, maxWaiting: configuration.limits.scanQueue)
        let model = classifier.map { Records.ModelSummary(name: $0.card.name, version: $0.card.versionLabel, labels: $0.card.classes) }
        let responder = DaemonResponder(release: release, model: model, board: board, journal: journal,
                                        scanRoots: ScanRoots(configuration.daemon.scanRoots), scans: scans)
        var limits = ServerLimits()
        limits.maxClients = configuration.limits.maxClients
        limits.requestLineBytes = configuration.limits.requestLineBytes
        limits.idleTimeout = configuration.limits.idleTimeout
        limits.subscriberQueue = configuration.limits.subscriberQueue
        let server = ProtocolServer(responder: responder, limits: limits, logger: logger)
        let listener: ProtocolServer.Listener
        if let fd = SocketActivation.listeningSocket() {
            listener = .inherited(fd: fd)
        } else {
            listener = .path(configuration.daemon.socket, mode: configuration.daemon.socketMode, group: configuration.daemon.socketGroup)
        }
        let listening: String
        do { listening = try await server.start(listener) } catch { throw .socket(error) }

        let bus = EventBus(journal: journal, server: server, board: board, card: classifier?.card,
                           snapshots: configuration.journal.snapshots, relay: mqtt, logger: logger)
        let context = RunnerContext(bus: bus, classifier: EventClassifier(classifier: classifier), cascade: cascade,
                                    analysis: AnalysisSettingsBox(AnalysisSettings(spotter: configuration.spotter, tracking: configuration.tracking)), logger: logger)
        // Ready means config, model and socket are up and every source has started;
        // cameras come and go at run time. The supervisor says it once its runners run.
        let supervisor = SourceSupervisor(configuration: configuration, context: context, scans: scans, notifier: notifier,
                                          readyStatus: "listening on \(listening), \(configuration.sources.count) sources",
                                          loadConfiguration: loadConfiguration)
        let lastSeq = (try? journal.lastSeq()) ?? 0
        logger.notice("listening on \(listening); \(configuration.sources.count) sources; journal \(journal.path) at seq \(lastSeq)")

        let housekeeping = Housekeeping(bus: bus, journal: journal, hub: server.hub, notifier: notifier,
                                        statsInterval: configuration.daemon.statsInterval, logger: logger)
        // Shut down in reverse order: sources drain first, then the broker hears what
        // they closed and `offline`, and the server says goodbye last.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: ServerService(server: server, journal: journal))]
        if let mqtt { services.append(.init(service: MQTTService(publisher: mqtt))) }
        services += [.init(service: housekeeping), .init(service: supervisor)]
        var groupConfiguration = ServiceGroupConfiguration(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(30)
        let group = ServiceGroup(configuration: groupConfiguration)
        do {
            try await group.run()
        } catch {
            logger.error("\(error)")
        }
        notifier.stopping(status: "stopped")
        logger.notice("stopped; journal at seq \((try? journal.lastSeq()) ?? 0)")
    }

    /// The MQTT publisher of [mqtt], or nil when no broker is configured. Its files
    /// (the password, TLS) are read now, so that a missing one stops the start.
    private func makePublisher(journal: EventJournal) throws(MQTTError) -> MQTTPublisher? {
        guard let publishing = try PublisherConfiguration.resolve(configuration.mqtt, hostname: Self.hostname(),
                                                                  environment: ProcessInfo.processInfo.environment) else { return nil }
        return try MQTTPublisher(configuration: publishing, journal: journal, logger: logger)
    }

    /// The host's name, for the default topic prefix and client id.
    static func hostname() -> String {
        var name = [CChar](repeating: 0, count: 256)
        guard gethostname(&name, name.count - 1) == 0 else { return "localhost" }
        return String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
