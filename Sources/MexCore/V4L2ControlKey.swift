/// How mexd.toml names a V4L2 control: v4l2-ctl's form, lower case with each run of
/// other characters one '_' ("Exposure Time, Absolute" is exposure_time_absolute).
/// Shared by the configuration, which checks names, and the capture, which matches them.
public enum V4L2ControlKey {
    public static func of(_ name: String) -> String {
        var out = ""
        var gap = false
        for scalar in name.unicodeScalars {
            let alphanumeric = scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar))
            if !alphanumeric {
                gap = true
                continue
            }
            if gap && !out.isEmpty { out.append("_") }
            gap = false
            out.append(Character(scalar).lowercased())
        }
        return out
    }
}
