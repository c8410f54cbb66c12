import ArgumentParser
import Foundation
import MexConfig

/// `mexd check-config`: reads mexd.toml as `mexd run` would and reports every problem
/// with its line, so a bad file is caught before a restart (78 tells systemd not to
/// restart a daemon that would only fail again).
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Check the configuration file and report every problem with its line.",
        discussion: """
            Errors and warnings go to stderr as FILE:LINE: KEY: MESSAGE (hint: ...). The exit \
            status is 0 when the file is usable (warnings allowed), 66 when it cannot be read \
            and 78 when it has errors. With --print the effective configuration (defaults \
            filled in, [defaults] applied to each source) goes to stdout as TOML.
            """)

    @OptionGroup var config: ConfigOption

    @Flag(name: .customLong("print"), help: "Print the effective configuration as TOML on stdout.")
    var printEffective = false

    func run() throws {
        let loaded: LoadedConfiguration
        do {
            loaded = try config.load()
        } catch {
            if error.issues.isEmpty {
                Self.printError(error.description)
            } else {
                for issue in error.issues { Self.printError(issue.description) }
                let count = error.errors.count
                Self.printError("\(config.path): \(count) error\(count == 1 ? "" : "s")")
            }
            throw ExitStatus(error).exitCode
        }
        for warning in loaded.warnings { Self.printError(warning.description) }
        if printEffective {
            print(loaded.configuration.renderTOML(), terminator: "")
            Self.printError(loaded.summary)
        } else {
            print(loaded.summary)
        }
    }

    static func printError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
