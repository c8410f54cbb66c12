import Foundation

/// The files [mqtt] names (mexd.toml(5)), found and checked at start-up: an absolute path
/// is used as it is; a bare name is a systemd credential, in `$CREDENTIALS_DIRECTORY`,
/// where `LoadCredential=NAME:PATH` in the unit puts a copy that the daemon's dynamic
/// user may read.
public enum CredentialFiles {
    /// Where the file `name` is.
    public static func path(_ name: String, environment: [String: String]) throws(MQTTError) -> String {
        if name.hasPrefix("/") { return name }
        guard let directory = environment["CREDENTIALS_DIRECTORY"], !directory.isEmpty else {
            throw .credential(path: name, reason: "a bare name is a systemd credential, and CREDENTIALS_DIRECTORY is not set "
                              + "(LoadCredential=\(name):PATH in the unit, or give an absolute path)")
        }
        return (directory as NSString).appendingPathComponent(name)
    }

    /// The password in file `name`: its first line, without the line end.
    public static func password(_ name: String, environment: [String: String]) throws(MQTTError) -> String {
        let path = try path(name, environment: environment)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .credential(path: path, reason: readProblem(path))
        }
        guard let text = String(data: data, encoding: .utf8) else { throw .credential(path: path, reason: "not UTF-8 text") }
        // By scalars: "\r\n" is one Character, and would not split at "\n".
        let password = String(String.UnicodeScalarView(text.unicodeScalars.prefix { $0 != "\n" && $0 != "\r" }))
        guard !password.isEmpty else { throw .credential(path: path, reason: "the password file is empty") }
        return password
    }

    /// File `name`, which libmosquitto reads itself (a TLS certificate or key), checked
    /// readable now so that a wrong path stops mexd at start-up rather than failing
    /// every connection.
    public static func readableFile(_ name: String, environment: [String: String]) throws(MQTTError) -> String {
        let path = try path(name, environment: environment)
        guard access(path, R_OK) == 0 else { throw .credential(path: path, reason: readProblem(path)) }
        return path
    }

    private static func readProblem(_ path: String) -> String {
        if !FileManager.default.fileExists(atPath: path) { return "no such file" }
        return access(path, R_OK) == 0 ? "cannot be read" : "permission denied"
    }
}
