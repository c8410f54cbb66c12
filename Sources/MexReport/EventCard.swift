import MexCore

/// One event's card: its key faces, the onset-to-apex flow, the class scores as bars,
/// its score curve when known, and a link to its time in the video.
struct EventCard {
    var event: ReportEvent
    /// The video as the page links it (a path relative to the page, or a URL); nil:
    /// not a local file, no player.
    var video: String?

    func html() -> String {
        let e = event
        let title = "#\(e.number) \(e.kind)" + (e.label.map { " · \($0)" } ?? " · unlabelled")
        var out = "<section class=\"event\" id=\"event-\(e.number)\" style=\"order:3\" data-number=\"\(e.number)\""
        if let seq = e.seq { out += " data-seq=\"\(seq)\"" }
        out += "><h3>\(HTML.escape(title)) <span class=\"muted\">\(HTML.clock(e.onset.time))–\(HTML.clock(e.offset.time)), "
        out += "frames \(e.onset.frame)–\(e.offset.frame), track \(e.track)"
        if e.source.isEmpty == false { out += ", \(HTML.escape(e.source))" }
        out += "</span></h3><div class=\"event-card\">"
        out += figure(e.pictures.onset, "onset", e.onset)
        out += figure(e.pictures.apex, "apex", e.apex)
        out += figure(e.pictures.offset, "offset", e.offset)
        let scale = e.pictures.flowScale.map { "full colour \(HTML.number($0, digits: 2)) px" } ?? ""
        out += picture(e.pictures.flow, alt: "onset to apex flow, colour-coded",
                       caption: "flow onset→apex" + (e.pictures.flowSource.map { ", \($0)" } ?? ""))
        out += picture(e.pictures.magnitude, alt: "onset to apex flow magnitude", caption: "magnitude" + (scale.isEmpty ? "" : ", \(scale)"))
        out += "<div class=\"bars\">" + bars() + facts() + "</div>"
        if let series = e.series { out += "<div class=\"curve\">" + curve(series) + "</div>" }
        if let video {
            let fragment = "#t=\(HTML.number(max(0, e.onset.time - 0.5), digits: 2)),\(HTML.number(e.offset.time + 0.5, digits: 2))"
            let src = HTML.escape(video + fragment)
            out += "<div><video controls preload=\"none\" src=\"\(src)\"></video>"
            out += "<a href=\"\(src)\">open the video at \(HTML.clock(e.onset.time))</a></div>"
        }
        out += "</div></section>\n"
        return out
    }

    private func figure(_ picture: ReportEvent.Picture?, _ role: String, _ key: ReportEvent.KeyFrame) -> String {
        self.picture(picture, alt: "\(role) face, frame \(key.frame)", caption: "\(role) \(key.frame) · \(HTML.clock(key.time))")
    }

    private func picture(_ picture: ReportEvent.Picture?, alt: String, caption: String) -> String {
        guard let picture else { return "" }
        return "<figure><img alt=\"\(HTML.escape(alt))\" src=\"\(HTML.dataURL(picture.bytes, mimeType: picture.mimeType))\">"
            + "<figcaption>\(HTML.escape(caption))</figcaption></figure>"
    }

    private func bars() -> String {
        guard !event.scores.isEmpty else { return "<p class=\"muted\">not classified</p>" }
        let top = event.scores.max { $0.probability < $1.probability }?.label
        var out = ""
        for s in event.scores {
            let percent = HTML.number(max(0, min(1, s.probability)) * 100, digits: 1)
            out += "<div class=\"bar\(s.label == top ? " top" : "")\" data-class=\"\(HTML.escape(s.label))\">"
            out += "<span class=\"name\">\(HTML.escape(s.label))</span><span class=\"track\"><span class=\"fill\" style=\"width:\(percent)%;display:block\"></span></span>"
            out += "<span>\(HTML.number(s.probability, digits: 3))</span></div>"
        }
        return out
    }

    private func facts() -> String {
        var notes = ["peak \(HTML.number(event.peakScore, digits: 2)) / threshold \(HTML.number(event.threshold, digits: 2))"]
        if event.headMotion { notes.append("head motion") }
        if event.speech { notes.append("speech") }
        if let reason = event.endReason { notes.append("ended: \(reason)") }
        return "<p class=\"muted\">" + HTML.escape(notes.joined(separator: " · ")) + "</p>"
    }

    /// The event's own score curve (from the journal): score, threshold, the event shaded.
    private func curve(_ series: MotionSeries) -> String {
        guard series.count > 1 else { return "" }
        let width = 320.0, height = 110.0, bottom = 100.0, top = 8.0
        let start = series.start, end = series.time(series.count - 1)
        let span = max(end - start, 1e-3)
        let x = { (t: Double) in (t - start) / span * width }
        let highest = max(series.score.compactMap { $0 }.max() ?? 0, (series.threshold.compactMap { $0 }.max() ?? 0) * 1.5, 1e-6)
        let y = { (v: Double) in bottom - v / highest * (bottom - top) }
        var out = "<svg class=\"event-curve\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\">"
        let x0 = x(event.onset.time), x1 = max(x(event.offset.time), x0 + 2)
        out += "<rect class=\"event \(HTML.escape(event.kind))\" x=\"\(HTML.number(x0))\" y=\"\(top)\" width=\"\(HTML.number(x1 - x0))\" "
        out += "height=\"\(bottom - top)\" fill=\"#e67e22\" fill-opacity=\".25\"/>"
        for (values, colour, dash) in [(series.score, "#1f6fb4", ""), (series.threshold, "#c0392b", " stroke-dasharray=\"5 3\"")] {
            let points = values.enumerated().compactMap { i, v in v.map { "\(HTML.number(x(series.time(i)), digits: 1)),\(HTML.number(y($0), digits: 1))" } }
            out += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.2\"\(dash) points=\"\(points.joined(separator: " "))\"/>"
        }
        out += "<line x1=\"0\" y1=\"\(bottom)\" x2=\"\(width)\" y2=\"\(bottom)\" stroke=\"#999\"/>"
        out += "<text x=\"2\" y=\"\(height - 1)\" font-size=\"10\">\(HTML.clock(start))</text>"
        out += "<text x=\"\(width - 2)\" y=\"\(height - 1)\" font-size=\"10\" text-anchor=\"end\">\(HTML.clock(end))</text></svg>"
        return out
    }
}
