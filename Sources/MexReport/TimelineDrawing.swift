import Foundation

/// Draws one track's timeline as inline SVG: the motion score and the threshold over
/// the whole scan, each event shaded by kind and labelled, bands for speech and head
/// motion, and the track's gaps. Every event is a `rect.event` whose data attributes
/// give its frames and times, so that a test (or a script) can read them from the DOM.
struct TimelineDrawing {
    /// One event as the timeline shows it.
    struct Mark {
        var number: Int
        var kind: String
        var label: String?
        var onset: (frame: Int, time: Double)
        var apex: (frame: Int, time: Double)
        var offset: (frame: Int, time: Double)
    }

    var timeline: TrackTimeline
    var marks: [Mark]
    /// The scan's span in stream seconds: every track is drawn on the same axis.
    var start: Double
    var end: Double

    /// The hatching that gaps are filled with, defined once per page (ids are
    /// page-wide) in an SVG of no size.
    static let definitions = "<svg width=\"0\" height=\"0\" style=\"position:absolute\" aria-hidden=\"true\"><defs>"
        + "<pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
        + "<rect width=\"3\" height=\"6\" fill=\"#c9c9c9\"/></pattern></defs></svg>"

    static let width = 1000.0
    static let height = 170.0
    private static let left = 44.0, right = 30.0, top = 18.0, plotBottom = 128.0
    private static let speechBand = (y: 134.0, height: 6.0), headBand = (y: 142.0, height: 6.0)

    func svg() -> String {
        let span = max(end - start, 1e-3)
        let plotWidth = Self.width - Self.left - Self.right
        let x = { (t: Double) in Self.left + (t - start) / span * plotWidth }
        let ceiling = yCeiling()
        let y = { (v: Double) in Self.plotBottom - min(v, ceiling) / ceiling * (Self.plotBottom - Self.top) }
        var out = "<svg viewBox=\"0 0 \(Int(Self.width)) \(Int(Self.height))\" role=\"img\" data-track=\"\(timeline.track)\" "
        out += "aria-label=\"Track \(timeline.track): motion score, threshold and events\">"

        // Axes and ticks (seconds).
        out += "<line class=\"axis\" x1=\"\(Self.left)\" y1=\"\(Self.plotBottom)\" x2=\"\(Self.width - Self.right)\" y2=\"\(Self.plotBottom)\"/>"
        out += "<line class=\"axis\" x1=\"\(Self.left)\" y1=\"\(Self.top)\" x2=\"\(Self.left)\" y2=\"\(Self.plotBottom)\"/>"
        let step = Self.tickStep(span)
        var tick = (start / step).rounded(.up) * step
        while tick <= end + 1e-9 {
            let tx = HTML.number(x(tick))
            out += "<line class=\"axis\" x1=\"\(tx)\" y1=\"\(Self.plotBottom)\" x2=\"\(tx)\" y2=\"\(Self.plotBottom + 3)\"/>"
            out += "<text x=\"\(tx)\" y=\"\(Self.height - 6)\" text-anchor=\"middle\">\(HTML.clock(tick))</text>"
            tick += step
        }
        out += "<text x=\"4\" y=\"\(Self.top + 4)\">\(HTML.number(ceiling, digits: 1))</text>"
        out += "<text x=\"4\" y=\"\(Self.plotBottom)\">0</text>"

        // Gaps first, under everything: no frames with the face, and frames where the
        // detector missed it (scored under the last box).
        for g in timeline.spans(where: { !$0.present }) {
            out += rect("gap", x: x(g.start), to: x(g.end), y: Self.top, height: Self.plotBottom - Self.top,
                        title: "no frames of this face \(HTML.clock(g.start))-\(HTML.clock(g.end))")
        }
        for g in timeline.spans(where: { $0.present && $0.undetected }) {
            out += rect("undetected", x: x(g.start), to: x(g.end), y: Self.top, height: Self.plotBottom - Self.top,
                        title: "face not detected, followed \(HTML.clock(g.start))-\(HTML.clock(g.end))")
        }
        for s in timeline.spans(where: { $0.speaking }) {
            out += rect("speech", x: x(s.start), to: x(s.end), y: Self.speechBand.y, height: Self.speechBand.height,
                        title: "speech \(HTML.clock(s.start))-\(HTML.clock(s.end))")
        }
        for s in timeline.spans(where: { $0.headMoving }) {
            out += rect("head-motion", x: x(s.start), to: x(s.end), y: Self.headBand.y, height: Self.headBand.height,
                        title: "head motion \(HTML.clock(s.start))-\(HTML.clock(s.end))")
        }

        // Events, shaded from onset to offset, each linking to its card below.
        for m in marks {
            let x0 = x(m.onset.time), x1 = max(x(m.offset.time), x0 + 2)
            let name = "#\(m.number) \(m.kind)" + (m.label.map { " \($0)" } ?? "")
            out += "<a href=\"#event-\(m.number)\">"
            out += "<rect class=\"event \(HTML.escape(m.kind))\" x=\"\(HTML.number(x0))\" y=\"\(Self.top)\" "
            out += "width=\"\(HTML.number(x1 - x0))\" height=\"\(HTML.number(Self.plotBottom - Self.top))\" "
            out += "data-number=\"\(m.number)\" data-kind=\"\(HTML.escape(m.kind))\" data-label=\"\(HTML.escape(m.label ?? ""))\" "
            out += "data-onset=\"\(m.onset.frame)\" data-apex=\"\(m.apex.frame)\" data-offset=\"\(m.offset.frame)\" "
            out += "data-onset-time=\"\(HTML.number(m.onset.time, digits: 3))\" data-offset-time=\"\(HTML.number(m.offset.time, digits: 3))\">"
            out += "<title>\(HTML.escape(name)) \(HTML.clock(m.onset.time))-\(HTML.clock(m.offset.time))</title></rect>"
            out += "<text x=\"\(HTML.number(x0))\" y=\"\(Self.top - 4)\">\(HTML.escape(name))</text></a>"
        }

        out += polyline("score", ceiling: ceiling, x: x, y: y) { $0.score }
        out += polyline("threshold", ceiling: ceiling, x: x, y: y) { $0.threshold }
        out += "</svg>"
        return out
    }

    /// Scores can jump far above the threshold when the head turns; the plot's top is
    /// kept where events and the threshold stay readable, and higher values are clipped.
    private func yCeiling() -> Double {
        var thresholds = 0.0, scores: [Double] = []
        for bin in timeline.bins {
            if let t = bin.threshold { thresholds = max(thresholds, t) }
            if let s = bin.score { scores.append(s) }
        }
        scores.sort()
        let high = scores.isEmpty ? 0 : scores[min(scores.count - 1, Int(Double(scores.count) * 0.99))]
        let ceiling = max(thresholds * 2.5, min(high, thresholds * 6))
        return ceiling > 0 ? ceiling : 1
    }

    /// One line per run of scored bins: unscored bins break it.
    private func polyline(_ cls: String, ceiling: Double, x: (Double) -> Double, y: (Double) -> Double,
                          value: (TrackTimeline.Bin) -> Double?) -> String {
        var out = "", points: [String] = []
        func flush() {
            if points.count > 1 { out += "<polyline class=\"\(cls)\" points=\"\(points.joined(separator: " "))\"/>" }
            points.removeAll(keepingCapacity: true)
        }
        let half = timeline.binWidth / 2
        for (i, bin) in timeline.bins.enumerated() {
            guard let v = value(bin) else { flush(); continue }
            points.append("\(HTML.number(x(timeline.time(i) + half), digits: 1)),\(HTML.number(y(v), digits: 1))")
        }
        flush()
        return out
    }

    private func rect(_ cls: String, x x0: Double, to x1: Double, y: Double, height: Double, title: String) -> String {
        "<rect class=\"\(cls)\" x=\"\(HTML.number(x0))\" y=\"\(HTML.number(y))\" width=\"\(HTML.number(max(x1 - x0, 0.5)))\" "
            + "height=\"\(HTML.number(height))\"><title>\(HTML.escape(title))</title></rect>"
    }

    /// Seconds between ticks: about ten over the span, at 1-2-5 steps.
    static func tickStep(_ span: Double) -> Double {
        let raw = span / 10
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        for m in [1.0, 2, 5, 10] where m * magnitude >= raw { return m * magnitude }
        return 10 * magnitude
    }
}
