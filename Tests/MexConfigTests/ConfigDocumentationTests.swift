import Foundation
import Testing
@testable import MexConfig

/// Every key the loader accepts is documented in the shipped example and the man page.
@Suite struct ConfigDocumentationTests {
    /// The example's text from `[name]` to the next table header, comments included.
    private func section(_ name: String, of text: String) -> Substring? {
        guard let start = text.range(of: "\n[\(name)]\n") else { return nil }
        let rest = text[start.upperBound...]
        let end = rest.range(of: "\n[")?.lowerBound ?? rest.endIndex
        return rest[..<end]
    }

    @Test func exampleShowsEveryKeyInItsTable() throws {
        let text = try String(contentsOf: RepositoryFiles.exampleConfig, encoding: .utf8)
        for (name, keys) in ConfigSchema.tables where name != "sources" {
            let body = try #require(section(name, of: text), "[\(name)] missing from Config/mexd.toml")
            for key in keys {
                #expect(body.contains("\n\(key) = ") || body.contains("\n# \(key) = ") || body.contains("or \(key) = ") || body.contains("and \(key) = "),
                        "[\(name)] \(key) is not shown in Config/mexd.toml")
            }
        }
        for key in ConfigSchema.sourceIdentity {
            #expect(text.contains("\(key) = "), "\(key) is not shown in Config/mexd.toml")
        }
    }

    @Test func manPageDocumentsEveryKey() throws {
        let text = try String(contentsOf: RepositoryFiles.manPage, encoding: .utf8)
        for (name, keys) in ConfigSchema.tables {
            #expect(text.contains("[\(name)"), "[\(name)] is not in mexd.toml.5")
            for key in keys {
                #expect(text.contains(".B \(key)\n") || text.contains(".BR \(key) "), "\(name).\(key) is not in mexd.toml.5")
            }
        }
        for key in ConfigSchema.sourceIdentity {
            #expect(text.contains(".B \(key)\n") || text.contains(".BR \(key) "), "\(key) is not in mexd.toml.5")
        }
        for level in ConfigSchema.logLevels { #expect(text.contains(level)) }
    }

    @Test func manPageExampleLoadsAsItsSummarySays() throws {
        let text = try String(contentsOf: RepositoryFiles.manPage, encoding: .utf8)
        let example = try #require(text.range(of: ".SH EXAMPLE\n"))
        let blocks = text[example.upperBound...].components(separatedBy: ".EX\n").dropFirst().map {
            $0.components(separatedBy: "\n.EE")[0].replacingOccurrences(of: "\\-", with: "-")
        }
        #expect(blocks.count >= 2)
        let loaded = try ConfigurationLoader.parse(blocks[0])
        #expect(loaded.warnings.isEmpty)
        #expect(blocks[1].hasSuffix(loaded.summary))
    }
}
