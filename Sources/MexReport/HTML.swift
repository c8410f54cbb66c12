import Foundation

/// Small pieces of HTML and SVG text that every page of a report is made of.
enum HTML {
    /// Text and attribute values made safe to place in markup.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    /// An inline image: the bytes in a data: URL, so the page needs no other file.
    static func dataURL(_ bytes: [UInt8], mimeType: String) -> String {
        "data:\(mimeType);base64,\(Data(bytes).base64EncodedString())"
    }

    /// A number for SVG coordinates and data attributes: short, locale-independent.
    static func number(_ value: Double, digits: Int = 2) -> String {
        guard value.isFinite else { return "0" }
        let scale = pow(10.0, Double(digits))
        let rounded = (value * scale).rounded() / scale
        if rounded == rounded.rounded() { return String(Int(rounded)) }
        return String(rounded)
    }

    /// Stream seconds as m:ss.ss (h:mm:ss.ss past an hour).
    static func clock(_ seconds: Double) -> String {
        let s = max(0, seconds)
        let hours = Int(s) / 3600, minutes = (Int(s) % 3600) / 60
        let rest = s - Double(hours * 3600 + minutes * 60)
        let secs = String(format: "%05.2f", rest)
        return hours > 0 ? String(format: "%d:%02d:", hours, minutes) + secs : "\(minutes):" + secs
    }
}
