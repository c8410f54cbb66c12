import Foundation
import MexCore
import MexMotion
@testable import MexReport
import Testing

@Suite struct TrackTimelineTests {
    @Test func binsStayBoundedAndKeepPeaks() {
        var timeline = TrackTimeline(track: 1, start: 0, frameStep: 1.0 / 30, maximumBins: 64)
        // Ten minutes at 30 fps: one spike at 300 s.
        for i in 0..<18_000 {
            let t = Double(i) / 30
            timeline.add(pts: t, score: i == 9_000 ? 9 : 1, threshold: 2, speaking: false, headMoving: false, detected: true)
        }
        #expect(timeline.bins.count <= 64)
        #expect(timeline.binWidth >= 600.0 / 64)
        #expect(timeline.bins.compactMap(\.score).max() == 9)
        let spike = timeline.bins.firstIndex { $0.score == 9 }!
        #expect(abs(timeline.time(spike) - 300) <= timeline.binWidth)
    }

    @Test func framesWithRoundedTimesFillEveryBin() {
        // pts as containers give them: n/30 rounded to microseconds.
        var timeline = TrackTimeline(track: 1, start: 1.0 / 30, frameStep: 1.0 / 30)
        for n in 1...900 {
            timeline.add(pts: (Double(n) / 30 * 1e6).rounded() / 1e6, score: 1, threshold: 1, speaking: false, headMoving: false, detected: true)
        }
        #expect(timeline.spans { !$0.present }.isEmpty)
        #expect(timeline.bins.count == 900)
    }

    @Test func spansOfSpeechAndGaps() {
        var timeline = TrackTimeline(track: 2, start: 10, frameStep: 0.1)
        for i in 0..<50 where !(20..<30).contains(i) {
            timeline.add(pts: 10 + Double(i) * 0.1, score: 1, threshold: 1, speaking: (5..<10).contains(i), headMoving: false, detected: i != 40)
        }
        let speech = timeline.spans { $0.speaking }
        #expect(speech.count == 1)
        #expect(abs(speech[0].start - 10.45) < 1e-9 && abs(speech[0].end - 10.95) < 1e-9)
        let gaps = timeline.spans { !$0.present }
        #expect(gaps.count == 1)
        #expect(abs(gaps[0].start - 11.95) < 1e-9 && abs(gaps[0].end - 12.95) < 1e-9)
        #expect(timeline.spans { $0.present && $0.undetected }.count == 1)
    }
}

@Suite struct TimelineDrawingTests {
    @Test func eventsAreShadedRectsWithTheirFramesAndTimes() {
        var timeline = TrackTimeline(track: 1, start: 0, frameStep: 1.0 / 25)
        for i in 0..<400 {
            timeline.add(pts: Double(i) / 25, score: i % 50 == 0 ? 3 : 0.5, threshold: 1, speaking: false, headMoving: i > 300, detected: true)
        }
        let marks = [
            TimelineDrawing.Mark(number: 1, kind: "micro", label: "positive", onset: (111, 4.44), apex: (115, 4.6), offset: (120, 4.8)),
            TimelineDrawing.Mark(number: 2, kind: "macro", label: nil, onset: (200, 8), apex: (210, 8.4), offset: (260, 10.4)),
        ]
        let svg = TimelineDrawing(timeline: timeline, marks: marks, start: 0, end: 16).svg()
        #expect(svg.components(separatedBy: "<rect class=\"event ").count - 1 == 2)
        #expect(svg.contains("data-onset=\"111\" data-apex=\"115\" data-offset=\"120\""))
        #expect(svg.contains("data-onset-time=\"4.44\" data-offset-time=\"4.8\""))
        #expect(svg.contains("class=\"event macro\""))
        #expect(svg.contains("<rect class=\"head-motion\""))
        #expect(svg.contains("<polyline class=\"score\""))
        #expect(svg.contains("<polyline class=\"threshold\""))
        // 4.44 s of 16 s on a 926-unit plot starting at 44.
        #expect(svg.contains("x=\"\(HTML.number(44 + 4.44 / 16 * 926))\""))
    }

    @Test func markupInLabelsIsEscaped() {
        let timeline = TrackTimeline(track: 1, start: 0, frameStep: 0.04)
        let marks = [TimelineDrawing.Mark(number: 1, kind: "micro", label: "<b>x</b>", onset: (1, 0.04), apex: (2, 0.08), offset: (3, 0.12))]
        let svg = TimelineDrawing(timeline: timeline, marks: marks, start: 0, end: 1).svg()
        #expect(!svg.contains("<b>"))
        #expect(svg.contains("&lt;b&gt;x&lt;/b&gt;"))
    }
}

@Suite struct FlowPictureTests {
    private func field(u: Float, v: Float) -> FlowField {
        var f = FlowField(width: 4, height: 4)
        for p in 0..<16 { f.values[2 * p] = u; f.values[2 * p + 1] = v }
        return f
    }

    private func colour(_ image: ColorImage) -> (Int, Int, Int) {
        (Int(image.pixels[0]), Int(image.pixels[1]), Int(image.pixels[2]))
    }

    @Test func stillIsWhiteAndDirectionsFollowTheMiddleburyWheel() {
        #expect(colour(FlowPicture.colourCoded(field(u: 0, v: 0), scale: 1)) == (255, 255, 255))
        let right = colour(FlowPicture.colourCoded(field(u: 1, v: 0), scale: 1))
        #expect(right.0 == 255 && right.1 < 60 && right.2 < 60, "rightward is red: \(right)")
        let left = colour(FlowPicture.colourCoded(field(u: -1, v: 0), scale: 1))
        #expect(left.0 < 30 && left.1 > 150 && left.2 == 255, "leftward is cyan-blue: \(left)")
        let down = colour(FlowPicture.colourCoded(field(u: 0, v: 1), scale: 1))
        #expect(down.0 == 255 && down.1 > 180 && down.2 < 30, "downward is yellow: \(down)")
        let up = colour(FlowPicture.colourCoded(field(u: 0, v: -1), scale: 1))
        #expect(up.2 == 255 && up.1 < 30, "upward is blue-violet: \(up)")
        // Half speed is the same hue, paler.
        let half = colour(FlowPicture.colourCoded(field(u: 0.5, v: 0), scale: 1))
        #expect(half.0 == 255 && half.1 > 100 && half.1 < 160)
    }

    @Test func largestMagnitudeSkipsNonFiniteValues() {
        var f = field(u: 3, v: 4)
        f.values[0] = .nan
        #expect(FlowPicture.largestMagnitude(f) == 5)
    }
}
