import ArgumentParser
import MexConfig

/// `-c/--config PATH`, shared by the commands that read mexd.toml.
struct ConfigOption: ParsableArguments {
    @Option(name: [.customShort("c"), .customLong("config")],
            help: ArgumentHelp("The configuration file (mexd.toml(5)).", valueName: "path"))
    var path: String = ConfigurationLoader.defaultPath

    /// Loads and checks the file; see `ConfigError` for what can go wrong.
    func load() throws(ConfigError) -> LoadedConfiguration {
        try ConfigurationLoader.load(contentsOf: path)
    }
}

extension ExitStatus {
    /// 66 when the file cannot be read, 78 when it can but is wrong.
    init(_ error: ConfigError) {
        switch error {
        case .notFound, .unreadable: self = .noInput
        case .invalid: self = .config
        }
    }
}
