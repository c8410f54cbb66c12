import Foundation
import Testing
@testable import MexSpotting

/// Speech is recognised from the mouth's oscillating vertical motion, opens no event,
/// and does not hide an expression of the upper face.
@Suite struct SpeechTests {
    static let fps = 30.0
    static let gap = 6
    /// Two regions: 0 the brows, 1 the lower face.
    static let lowerFace = [1]

    /// Per frame: the brows' and the lower face's scores and the mouth's signed motion.
    /// The noise floor is 0.08-0.11 everywhere; speech moves the jaw by `amplitude`
    /// crop pixels at `hz` during `talk` (seconds); a brow raise of 1.5 px peaks at
    /// `brow` (0.3 s up and down).
    /// `jawDrops`: single open-and-close movements of the jaw by `amplitude` (an
    /// expression, not speech), each 0.3 s from the given time.
    static func frames(seconds: Double, talk: [ClosedRange<Double>], hz: Double = 3.5, amplitude: Double = 1.5,
                       brow: [Double] = [], jawDrops: [Double] = [], seed: UInt64 = 3) -> [(regions: [Double], mouth: Double)] {
        var random = SplitMix(seed: seed)
        let n = Int(seconds * fps)
        func jaw(_ i: Int) -> Double {
            let t = Double(i) / fps
            for start in jawDrops where t >= start && t <= start + 0.3 {
                return amplitude * 0.5 * (1 - cos(2 * .pi * (t - start) / 0.3))
            }
            return talk.contains { $0.contains(t) } ? amplitude * 0.5 * (1 - cos(2 * .pi * hz * t)) : 0
        }
        func browPosition(_ i: Int) -> Double {
            let t = Double(i) / fps
            for b in brow where abs(t - b) < 0.15 { return 1.5 * 0.5 * (1 + cos(.pi * (t - b) / 0.15)) }
            return 0
        }
        return (0..<n).map { i in
            let mouth = i >= gap ? jaw(i) - jaw(i - gap) : 0
            let browMoved = i >= gap ? abs(browPosition(i) - browPosition(i - gap)) : 0
            let noise = { 0.08 + 0.03 * random.unit() }
            return ([noise() + browMoved, noise() + abs(mouth)], mouth + 0.02 * (random.unit() - 0.5))
        }
    }

    static func spot(_ frames: [(regions: [Double], mouth: Double)], settings: SpotterSettings = SpotterSettings(),
                     lowerFace: [Int] = SpeechTests.lowerFace, border: [Int] = []) -> (events: [SpottedInterval], speaking: [Bool]) {
        var spotter = ApexSpotter(fps: fps, gap: gap, settings: settings, lowerFace: lowerFace, border: border)
        var events: [SpottedInterval] = [], speaking: [Bool] = []
        for (i, f) in frames.enumerated() {
            if let e = spotter.push(frame: i, regions: f.regions, mouthMotion: f.mouth) { events.append(e) }
            speaking.append(spotter.isSpeaking)
        }
        if let e = spotter.flush() { events.append(e) }
        return (events, speaking)
    }

    @Test func talkingIsRecognisedAndOpensNoEvent() {
        let talk = [4.0...6.5, 10.0...11.5, 15.0...18.0]
        let (events, speaking) = Self.spot(Self.frames(seconds: 22, talk: talk))
        #expect(events.isEmpty, "\(events)")
        // Recognised within 0.7 s of each burst's start, and at most 1.3 s after its end (the window and the hold).
        for burst in talk {
            let from = Int((burst.lowerBound + 0.7) * Self.fps), to = Int(burst.upperBound * Self.fps)
            #expect(speaking[from..<to].allSatisfy { $0 }, "burst \(burst)")
            let after = Int((burst.upperBound + 1.3) * Self.fps)
            #expect(!speaking[after])
        }
        #expect(!speaking[Int(2.0 * Self.fps)])
    }

    @Test func withoutTheDetectorTalkingMakesEvents() {
        var settings = SpotterSettings()
        settings.detectSpeech = false
        let (events, _) = Self.spot(Self.frames(seconds: 22, talk: [4.0...6.5, 10.0...11.5, 15.0...18.0]), settings: settings)
        #expect(!events.isEmpty)
    }

    @Test func aBrowRaiseDuringSpeechStillCountsAndIsMarked() {
        let (events, _) = Self.spot(Self.frames(seconds: 22, talk: [10.0...14.0], brow: [5.0, 12.5]))
        #expect(events.count == 2, "\(events)")
        guard events.count == 2 else { return }
        #expect(!events[0].speech)
        #expect(events[1].speech)
        #expect(abs(Double(events[1].apex) / Self.fps - 12.5) < 0.2)
    }

    @Test func oneJawDropIsNotSpeech() {
        // A single open-and-close of the jaw (an expression): one sign change.
        let (events, speaking) = Self.spot(Self.frames(seconds: 10, talk: [], amplitude: 2, jawDrops: [5.0]))
        #expect(!speaking.contains(true))
        // An expression of the lower face alone is reported once the speech check is
        // over: `speech_check` (0.7 s) after its run began, not before.
        #expect(events.count == 1, "\(events)")
        if let e = events.first {
            #expect(abs(Double(e.apex) / Self.fps - 5.15) < 0.15)
            #expect(e.decidedAt >= Int(5.0 * Self.fps) + Int(SpotterSettings().speechCheck * Self.fps) - 3)
            #expect(e.decidedAt <= Int(6.5 * Self.fps))
        }
    }

    @Test func theFirstSyllableOfABurstIsNoEvent() {
        // Quiet, then one syllable of the lower face (down for 5 frames, back for 5),
        // then the rest of the burst: the jaw moving at a depth the score hardly shows,
        // which the mouth signal does. The syllable's run ends during the burst, and
        // speech is recognised before the speech check is over.
        var random = SplitMix(seed: 9)
        var frames: [(regions: [Double], mouth: Double)] = (0..<300).map { _ in
            ([0.08 + 0.03 * random.unit(), 0.08 + 0.03 * random.unit()], 0.01 * (random.unit() - 0.5))
        }
        for i in 150..<160 {
            frames[i].regions[1] += 0.6
            frames[i].mouth = i < 155 ? 0.5 : -0.5
        }
        for i in 161..<230 { frames[i].mouth = (i - 161) / 4 % 2 == 0 ? 0.3 : -0.3 }
        let (events, speaking) = Self.spot(frames)
        #expect(speaking[190])
        #expect(events.isEmpty, "\(events)")
        // Without the burst after it, the same syllable is an expression of the mouth.
        for i in 161..<230 { frames[i].mouth = 0 }
        #expect(Self.spot(frames).events.count == 1)
    }

    @Test func motionOfTheCropsEdgeAloneIsNoExpression() {
        // Quiet, then a region at the crop's edge moving for 0.3 s (the outline as the
        // head turns): an event when it counts as the face, none as the border.
        var random = SplitMix(seed: 5)
        var frames: [(regions: [Double], mouth: Double)] = (0..<300).map { _ in
            ([0.08 + 0.03 * random.unit(), 0.08 + 0.03 * random.unit(), 0.08 + 0.03 * random.unit()], 0)
        }
        for i in 150..<159 { frames[i].regions[2] += 0.8 * sin(Double(i - 150 + 1) / 10 * .pi) }
        #expect(Self.spot(frames).events.count == 1)
        #expect(Self.spot(frames, border: [2]).events.isEmpty)
    }

    @Test func theCropsEdgeDoesNotShowTheUpperFaceMoving() {
        // A burst's first syllable, and with it a region at the crop's edge (the face's
        // outline against the background as the head sways) moving for 3 frames.
        var frames = Self.frames(seconds: 12, talk: [5.0...8.0], amplitude: 2).map { f in
            (regions: f.regions + [f.regions[0]], mouth: f.mouth)
        }
        for i in 152..<155 { frames[i].regions[2] += 0.5 }
        #expect(Self.spot(frames, border: [2]).events.isEmpty)
        // Counted as the upper face, the edge keeps the run that speech opened.
        #expect(!Self.spot(frames).events.isEmpty)
    }

}
