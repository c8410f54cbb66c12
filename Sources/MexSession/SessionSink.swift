import MexCore
import MexPipeline
import MexProtocol

/// Where a session's records go: stdout for `mexd scan`, the journal and the socket
/// for the daemon.
public protocol SessionSink: Sendable {
    /// A record about the source that is not journaled: SOURCE (online), FRAME, EOF.
    func record(_ record: JSONObject) async
    /// A classified event, with its 1-based number in the session's order and why it
    /// ended when its offset was not seen.
    func event(_ event: ClassifiedEvent, number: Int, endReason: EventEndReason?) async
    /// The score series around event `number`, delivered after the event (its tail
    /// is seen a second after the offset).
    func series(_ series: MotionSeries, number: Int) async
    /// Whether this sink takes `series` at all (a sink that does not spares the
    /// bookkeeping).
    var wantsSeries: Bool { get }
}

extension SessionSink {
    public func series(_ series: MotionSeries, number: Int) async {}
    public var wantsSeries: Bool { false }
}

/// What a session tells its owner as it goes, for bookkeeping the records do not
/// carry (the daemon's source board, scan's progress bar). Called on the session's
/// task, in order.
public protocol SessionObserver {
    /// The source opened; its SOURCE record goes out right after.
    func opened(_ info: StreamInfo)
    /// A frame enters the pipeline.
    func frameStarted()
    /// The frame left it: `frames` processed so far, `droppedFrames` lost so far by the
    /// source's queue and driver, `faces` visible now.
    func frameFinished(pts: Double, frames: Int, droppedFrames: Int, faces: Int)
    /// The pipeline's view of the frame: each face with its score, threshold and state.
    func frameAnalysed(index: Int, pts: Double, faces: [FacePipeline.FaceObservation])
}

extension SessionObserver {
    public func opened(_ info: StreamInfo) {}
    public func frameStarted() {}
    public func frameFinished(pts: Double, frames: Int, droppedFrames: Int, faces: Int) {}
    public func frameAnalysed(index: Int, pts: Double, faces: [FacePipeline.FaceObservation]) {}
}

/// A session's observer when nobody needs one.
public struct NoSessionObserver: SessionObserver {
    public init() {}
}
