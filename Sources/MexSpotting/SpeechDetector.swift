/// Recognises speech from the mouth's signed vertical motion (`MotionSample.mouthMotion`):
/// talking moves the jaw and lower lip up and down several times a second (syllables at
/// 2-7 Hz), while an expression moves them one way and back once. The signal changes
/// sign, past a dead band at its quiet noise level, at least `settings.speechFlips`
/// times within the trailing `speechWindow`; the state holds for `speechHold` after the
/// last such window, to bridge the pauses between words.
///
/// The signal spans about two frames (`MouthMotion`, `SpotterSettings.speechSpan`), so
/// each opening and each closing of the mouth shows apart. O(window) integers.
struct SpeechDetector {
    private let windowFrames: Int
    private let holdFrames: Int
    private let flipsNeeded: Int
    private let k: Double
    private let minimumLevel: Double
    /// Frames at which the signal changed sign, oldest first.
    private var flips: [Int] = []
    private var sign = 0
    private var lastSpeech = Int.min / 2
    private var quiet: SlidingStatistics
    /// The dead band the mouth signal must leave to count as a sign change.
    private(set) var level: Double
    private var frames = 0

    init(fps: Double, settings: SpotterSettings) {
        windowFrames = max(2, Int((settings.speechWindow * fps).rounded()))
        holdFrames = Int((settings.speechHold * fps).rounded())
        flipsNeeded = settings.speechFlips
        k = settings.speechK
        minimumLevel = settings.speechMinimumLevel
        quiet = SlidingStatistics(capacity: max(1, Int((settings.history * fps).rounded())))
        level = settings.speechMinimumLevel
    }

    /// Whether the last frame pushed is part of speech.
    private(set) var speaking = false

    /// Feeds one frame's mouth signal; `learn` says whether the frame may teach the
    /// quiet noise level (not during an expression).
    mutating func push(frame: Int, mouth: Double, learn: Bool) {
        frames += 1
        let newSign = mouth > level ? 1 : mouth < -level ? -1 : 0
        if newSign != 0 && newSign != sign {
            if sign != 0 { flips.append(frame) }
            sign = newSign
        }
        while let first = flips.first, frame - first >= windowFrames { flips.removeFirst() }
        if flips.count >= flipsNeeded { lastSpeech = frame }
        speaking = frame - lastSpeech <= holdFrames
        if learn && !speaking { quiet.push(mouth) }
        if frames % 16 == 0 {
            let (median, sigma) = quiet.medianAndSigma()
            level = max(minimumLevel, abs(median) + k * sigma)
        }
    }

    /// The sign changes within the trailing window that came after `frame`.
    func flips(after frame: Int) -> Int {
        flips.reduce(0) { $0 + ($1 > frame ? 1 : 0) }
    }

    mutating func reset() {
        flips.removeAll()
        sign = 0
        speaking = false
    }
}
