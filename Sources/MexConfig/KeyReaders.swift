import MexCore

/// The readers of keys whose values have forms of their own, for their `Setting`s.
extension ConfigSchema {
    /// "0660" (a string read as octal) or an integer (0o660 in TOML, or decimal 432).
    static func socketMode(_ r: TableReader) -> UInt32? {
        guard let value = r.value("socket_mode") else { return nil }
        let mode: Int
        if let string = value.string {
            let digits = string.hasPrefix("0o") ? String(string.dropFirst(2)) : string
            guard !digits.isEmpty, let parsed = Int(digits, radix: 8) else {
                r.issues.error(r.keyPath("socket_mode"), "expected octal permission bits such as \"0660\", got \"\(string)\"")
                return nil
            }
            mode = parsed
        } else if let int = value.int {
            mode = int
        } else {
            r.typeError("socket_mode", expected: "permission bits (\"0660\" or 0o660)", got: value)
            return nil
        }
        guard mode >= 0, mode <= 0o777 else {
            let hint = value.int != nil && Int(String(mode), radix: 8).map({ $0 <= 0o777 }) == true
                ? "\(mode) is decimal; write \"0\(mode)\" or 0o\(mode) for octal" : nil
            r.issues.error(r.keyPath("socket_mode"), "expected permission bits up to 0777, got \(value.string.map { "\"\($0)\"" } ?? "0o" + String(mode, radix: 8))",
                           hint: hint)
            return nil
        }
        if mode & 0o600 != 0o600 {
            r.issues.warning(r.keyPath("socket_mode"), "the owner (mexd itself) cannot read and write the socket")
        }
        return UInt32(mode)
    }

    /// size = [w, h], or width and height (read with the types of their `Setting`s).
    static func size(_ r: TableReader) -> Size? {
        if r.has("size") && (r.has("width") || r.has("height")) {
            r.issues.error(r.keyPath(r.has("width") ? "width" : "height"), "size is already given",
                           hint: "use either size = [w, h] or width and height")
            return nil
        }
        if let value = r.value("size") {
            guard let array = value.array, array.count == 2,
                  let width = array[0].int, let height = array[1].int else {
                r.issues.error(r.keyPath("size"), "expected [width, height] (two integers), got \(TableReader.describe(value))",
                               hint: "for example size = [640, 480]")
                return nil
            }
            guard width > 0, height > 0 else {
                r.issues.error(r.keyPath("size"), "expected a positive width and height, got [\(width), \(height)]")
                return nil
            }
            return Size(width: width, height: height)
        }
        var dimensions = SourceConfiguration()
        for key in ["width", "height"] { _ = perSourceTable[key]?.read(r, &dimensions) }
        if r.has("width") != r.has("height") {
            let given = r.has("width") ? "width" : "height"
            r.issues.error(r.keyPath(given), "\(given) without \(given == "width" ? "height" : "width")",
                           hint: "give both, or size = [w, h]")
            return nil
        }
        return dimensions.size
    }

    /// controls = { name = integer }: V4L2 control names as `mexd devices` and v4l2-ctl
    /// list them. Nil when there are none to set.
    static func controls(_ r: TableReader) -> [String: Int]? {
        guard let table = r.subtable("controls") else { return nil }
        var controls: [String: Int] = [:]
        for key in table.keys {
            let path = r.keyPath("controls") + [key]
            let value = table[key]!
            let normal = V4L2ControlKey.of(key)
            guard key == normal, !key.isEmpty else {
                r.issues.error(path, "a control name is lower case, with '_' between words",
                               hint: normal.isEmpty ? nil : "write \(normal)")
                continue
            }
            if let int = value.int {
                controls[key] = int
            } else if let bool = value.bool {
                controls[key] = bool ? 1 : 0
            } else {
                r.issues.error(path, "expected an integer (or true/false), got \(TableReader.describe(value))")
            }
        }
        return controls.isEmpty ? nil : controls
    }
}
