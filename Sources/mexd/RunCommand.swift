import ArgumentParser
import Foundation
import Logging
import MexConfig
import MexDaemon

/// `mexd run`: the daemon, in the foreground (systemd runs it as Type=notify).
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon in the foreground: watch the configured sources and serve events on the socket.",
        discussion: """
            Reads the configuration (mexd.toml(5)), opens the event journal, loads the model, \
            listens on the socket (or on the one systemd passes), tells systemd READY=1, and runs \
            every enabled source. SIGHUP reloads the sources and spotter settings; SIGTERM or SIGINT \
            closes open events (end_reason "shutdown"), says SHUTDOWN to subscribers and exits 0. \
            The protocol is described in mexd-protocol(7).
            """)

    @OptionGroup var config: ConfigOption
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let loaded: LoadedConfiguration
        do {
            loaded = try config.load()
        } catch {
            FileHandle.standardError.write(Data("mexd: \(error)\n".utf8))
            throw ExitStatus(error).exitCode
        }
        let configuration = loaded.configuration
        let logger = global.makeLogger(level: Logger.Level(rawValue: configuration.daemon.logLevel))
        for warning in loaded.warnings { logger.warning("\(warning)") }
        let path = config.path
        let daemon = Daemon(configuration: configuration,
                            loadConfiguration: {
                                let reloaded = try ConfigurationLoader.load(contentsOf: path)
                                return reloaded.configuration
                            },
                            defaultModel: ModelLocator.defaultModel(), release: Mexd.configuration.version, logger: logger)
        do {
            try await daemon.run()
        } catch {
            logger.critical("\(error)")
            throw ExitStatus(error).exitCode
        }
    }
}

extension ExitStatus {
    init(_ error: DaemonError) {
        switch error {
        case .journal: self = .cantCreate
        case .model: self = .dataError
        case .cascade: self = .unavailable
        case .mqtt: self = .config
        case .socket(let error):
            switch error {
            case .inUse: self = .unavailable
            case .bind, .group: self = .osError
            }
        }
    }
}
