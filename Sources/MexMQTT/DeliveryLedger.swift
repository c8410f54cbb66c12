/// How far the broker has the journal's events, on one connection and across them.
///
/// Events are published in seq order. The broker acknowledges each by its message id
/// (QoS 1: PUBACK, QoS 2: PUBCOMP; QoS 0: once written to the socket), not necessarily
/// in order, so the ledger maps each message id in flight to its seq and keeps the
/// watermark: the highest seq such that the broker has that event and every one
/// before it. Seqs passed over because the journal no longer holds them count as had:
/// nothing can send them any more.
///
/// When the connection is lost, what was in flight is forgotten and the next
/// connection publishes again from the watermark: an event may reach the broker twice,
/// none is left out.
struct DeliveryLedger: Equatable {
    /// The broker has every event up to this seq (or it was pruned unsent).
    private(set) var acknowledged: Int64
    /// The highest seq published or passed over on this connection.
    private(set) var sent: Int64
    /// Message id -> seq, for the events published and not yet acknowledged.
    private var inFlight: [Int32: Int64] = [:]

    init(acknowledged: Int64) {
        self.acknowledged = acknowledged
        sent = acknowledged
    }

    var inFlightCount: Int { inFlight.count }

    /// Event `seq` went out as message `mid`.
    mutating func published(seq: Int64, mid: Int32) {
        precondition(seq > sent, "events are published in seq order")
        sent = seq
        inFlight[mid] = seq
    }

    /// The journal holds no event up to `seq`: pruned before the broker had them.
    mutating func passedOver(through seq: Int64) {
        sent = max(sent, seq)
        advance()
    }

    /// The broker acknowledged message `mid`; true when the watermark moved. Ids that are
    /// not events (states, status) are not the ledger's and change nothing.
    @discardableResult
    mutating func acknowledge(mid: Int32) -> Bool {
        guard inFlight.removeValue(forKey: mid) != nil else { return false }
        let before = acknowledged
        advance()
        return acknowledged != before
    }

    /// The connection ended: unacknowledged events are to be published again.
    mutating func connectionLost() {
        inFlight = [:]
        sent = acknowledged
    }

    private mutating func advance() {
        let done = inFlight.values.min().map { $0 - 1 } ?? sent
        acknowledged = max(acknowledged, done)
    }
}

/// A run of seqs the journal assigned and no longer holds.
public struct JournalGap: Sendable, Equatable, CustomStringConvertible {
    public let first: Int64
    public let last: Int64

    public var count: Int64 { last - first + 1 }

    public var description: String { first == last ? "event \(first)" : "events \(first)-\(last) (\(count))" }
}

/// Where publishing to a broker starts, and what the journal lost before it got there.
enum DeliveryPlan {
    /// The watermark to start from. A broker seen before resumes after the seq it
    /// acknowledged (at most the journal's last). One never published to starts at the
    /// journal's last seq, or `backlog` events before it.
    static func start(acknowledged: Int64?, lastSeq: Int64, backlog: Int) -> Int64 {
        if let acknowledged { return min(acknowledged, lastSeq) }
        return max(0, lastSeq - Int64(clamping: backlog))
    }

    /// The seqs after `sent` that the page shows were pruned: those before its first
    /// entry, those between its entries, and, when the page reached the end of the
    /// journal (`complete`), those after its last entry up to the journal's last seq.
    static func gaps(after sent: Int64, seqs: [Int64], lastSeq: Int64, complete: Bool) -> [JournalGap] {
        var gaps: [JournalGap] = []
        var expected = sent + 1
        for seq in seqs {
            if seq > expected { gaps.append(JournalGap(first: expected, last: seq - 1)) }
            expected = seq + 1
        }
        if complete && lastSeq >= expected { gaps.append(JournalGap(first: expected, last: lastSeq)) }
        return gaps
    }
}
