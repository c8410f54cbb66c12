/// The apex spotter's settings. Every time is in seconds and converted with the
/// stream's frame rate, so the same settings serve 30 fps webcams and 200 fps
/// micro-expression cameras (docs/ARCHITECTURE.md section 7).
public struct SpotterSettings: Sendable, Equatable {
    /// The motion score at frame t measures the face's motion from t - flowSpan to t.
    /// 0.2 s: a faint expression's displacement builds up over its whole onset, while
    /// the noise does not (docs/decisions/2026-11-25-flow-span.md).
    public var flowSpan = 0.2
    /// At most this many frames a second are scored (`FacePipeline`): above it every
    /// n-th frame is, n = floor(fps / scoreRate), and the frames between repeat its
    /// score. The default scores every frame of a 200 fps camera, so that the
    /// smoothing averages the noise of every flow; a lower rate trades some faint
    /// expressions for CPU on a machine that cannot keep up
    /// (docs/decisions/2026-12-08-score-rate.md).
    public var scoreRate = 200.0
    /// Lagged (trailing) moving average of the motion score. Short, because the score
    /// already spans `flowSpan`: a longer average dilutes a 0.2 s micro-expression.
    public var smoothing = 0.1
    /// Trailing history for the running threshold's mean, maximum and noise level.
    public var history = 30.0
    /// No event is reported before this much quiet score has been learned. Per
    /// spotter: a new track starts over, unless it takes over the spotter of a track
    /// lost on the same face moments before (`FacePipeline`).
    public var warmUp = 1.0
    /// T = mu + p * (M - mu) over the history (the MEGC baseline's threshold, made causal).
    public var p = 0.0
    /// T is at least median + k * sigma of the average over the last `history` worth
    /// of quiet frames (sigma from the median absolute deviation), so that a video
    /// with no expression does not spot its own noise.
    public var noiseK = 6.0
    /// And at least this many pixels of motion (in the 128 px face crop) over
    /// `flowSpan`.
    public var minimumThreshold = 0.12
    /// A run that reached T goes on while the average stays above
    /// median + hysteresis * (T - median) of the history.
    public var hysteresis = 0.35
    /// Without the displacement, a run ends after the average has stayed below its
    /// lower level (`hysteresis`) this long; with it, once the face has been back for
    /// this long. Long enough to bridge the still moment at a slow expression's apex
    /// (the score measures speed, so a macro-expression shows as two bursts: towards
    /// the apex and back).
    public var lookAhead = 0.25
    /// Raw frames above median + rawK * sigma of the raw score count as moving, for
    /// the onset and offset search.
    public var rawK = 4.0
    /// With the displacement from the reference face, the expression is over once the
    /// face is still (for `lookAhead`) and back within this fraction of the way from the
    /// displacement's floor to its peak. Not all the way: a face that drifts while the
    /// expression lasts never comes back to the reference exactly.
    public var returnFraction = 0.5
    /// A run whose face has been still this long without coming back ends (the face
    /// came to rest elsewhere): an expression if the face had come back after its apex
    /// before drifting, else movement. Longer than the longest still apex of a macro-
    /// expression (the generator holds up to 1.9 s).
    public var settleLimit = 2.0
    /// A run whose face moves less than this from its reference face (pixels of the
    /// 128 px crop) is not an expression. On the dev set, with every frame cut under the
    /// one box, still faces measured about 0.04 and the faintest expression about 0.2.
    public var minimumDisplacement = 0.15
    /// The displacement's reference face is taken this long before the first raw frame
    /// that moves: the raw score crosses its noise level a few frames into a smooth onset,
    /// up to 0.3 s into a faint one, and a reference inside the expression never sees
    /// the face come back. Too early costs little: the onset is read from the profile.
    public var onsetPreRoll = 0.2
    /// Onset and offset are the frames around the apex still within this fraction of
    /// the way from the displacement's floor to its peak (`DisplacementProfile`).
    public var boundaryFraction = 0.1
    /// Onset and offset are searched at most this far before and after the run.
    public var searchMargin = 0.3
    /// A run whose averaged score peaks above this (pixels of the 128 px crop over
    /// `flowSpan`) is movement, not an expression: a hand in front of the face, a
    /// sudden turn. The largest generated macro-expression (7 px at a 170 px face)
    /// peaks near 3.
    public var maximumScore = 4.0
    /// Durations (offset - onset + 1 frames): micro up to microMax, macro up to macroMax;
    /// shorter than minDuration or longer than macroMax is movement.
    public var minDuration = 0.04
    public var microMax = 0.5
    public var macroMax = 4.0
    /// Report movement (too short or too long) as events of kind "movement".
    public var reportMovement = false
    /// Scale each facial region's score to the regions' pooled noise level before taking
    /// the largest (`RegionNoise`): a faint expression in a quiet region (the mouth
    /// corners) then counts against that region's noise, not the brows'.
    public var equaliseRegions = true
    /// Head translation above this (pixels of the 128 px crop over `flowSpan`) marks an
    /// event's quality.
    public var headMotionLimit = 1.5

    /// Speech (`SpeechDetector`): the mouth's vertical motion over `speechSpan`
    /// (`MouthMotion`) changing sign at least
    /// `speechFlips` times within `speechWindow`, past a dead band of `speechK` times its
    /// quiet spread (at least `speechMinimumLevel` crop pixels); it lasts `speechHold`
    /// after the last such window. While it lasts the lower face (`lowerFace` cells) is
    /// not scored, and an event that overlaps it is marked. An event of the lower face
    /// alone waits until `speechCheck` after its run began, and is dropped if speech is
    /// recognised by then (docs/decisions/2026-12-07-speech-onset.md).
    public var speechSpan = 0.07
    public var speechWindow = 1.0
    /// 0.7 s: three changes of direction at 3-7 Hz take 0.2-0.5 s after a burst's first
    /// syllable; on the train and dev sets 0.7 s dropped as many speech onsets as 1 s
    /// did, while 0.5 s let more through (docs/decisions/2026-12-07-noise-tails.md).
    public var speechCheck = 0.7
    public var speechFlips = 3
    public var speechK = 2.5
    public var speechMinimumLevel = 0.05
    public var speechHold = 0.5
    /// Recognise speech at all.
    public var detectSpeech = true

    public init() {}
}
