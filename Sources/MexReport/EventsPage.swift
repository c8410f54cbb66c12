import Foundation

/// A page of events read from the journal or the socket, each with its own pictures
/// and score curve: what `mexd events --report` writes, and `mexd watch --report`
/// rewrites as events come (with `refresh`, the browser reloads it).
public struct EventsPage: Sendable {
    public var title: String
    public var events: [ReportEvent]
    /// Seconds between the browser's reloads; nil: a page that does not change.
    public var refresh: Int?
    /// A line under the title (what was asked for, when it was made).
    public var subtitle: String

    public init(title: String, subtitle: String, events: [ReportEvent], refresh: Int? = nil) {
        self.title = title
        self.subtitle = subtitle
        self.events = events
        self.refresh = refresh
    }

    public func html() -> String {
        var out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        if let refresh { out += "<meta http-equiv=\"refresh\" content=\"\(refresh)\">" }
        out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        out += "<title>\(HTML.escape(title))</title><style>\(ReportStyle.css)</style></head><body>\n"
        out += "<header><h1>\(HTML.escape(title))</h1><p>\(HTML.escape(subtitle))</p></header>\n<main>\n"
        var counts: [String: Int] = [:]
        for e in events { counts[e.label ?? "unlabelled", default: 0] += 1 }
        out += "<section class=\"summary\" style=\"order:1\"><h2>\(events.count) event\(events.count == 1 ? "" : "s")</h2>"
        if !counts.isEmpty {
            out += "<p>" + counts.sorted { $0.key < $1.key }.map { "\(HTML.escape($0.key)) \($0.value)" }.joined(separator: ", ") + "</p>"
        }
        let missing = events.reduce(0) { $0 + $1.missingPictures }
        if missing > 0 {
            out += "<p class=\"caveat\">\(missing) snapshot file\(missing == 1 ? "" : "s") named by the events could not be read "
            out += "(pruned, or not readable by this user: the daemon writes them with mode 0640).</p>"
        }
        if events.contains(where: { $0.pictures.apex == nil && $0.missingPictures == 0 }) {
            out += "<p class=\"muted\">Events without pictures were journaled with snapshots off ([journal] snapshots, mexd.toml(5)).</p>"
        }
        out += "</section>\n"
        for e in events { out += EventCard(event: e, video: nil).html() }
        out += "</main></body></html>\n"
        return out
    }

    /// Writes the page whole: to a temporary file beside it, then renamed over it, so a
    /// browser reloading it never reads half a page.
    public func write(to path: String) throws(ReportError) {
        let temporary = path + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(html().utf8)) else {
            throw .cannotWrite(path, reason: "cannot create \(temporary)")
        }
        if rename(temporary, path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw .cannotWrite(path, reason: reason)
        }
    }
}
