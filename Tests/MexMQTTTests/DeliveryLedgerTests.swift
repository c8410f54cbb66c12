import Testing
@testable import MexMQTT

/// The ack tracking and resume logic, without a broker.
@Suite struct DeliveryLedgerTests {
    @Test func theWatermarkWaitsForTheOldestEventInFlight() {
        var ledger = DeliveryLedger(acknowledged: 10)
        ledger.published(seq: 11, mid: 1)
        ledger.published(seq: 12, mid: 2)
        ledger.published(seq: 13, mid: 3)
        #expect(ledger.inFlightCount == 3 && ledger.sent == 13)
        // PUBACKs out of order: 12 and 13 are in, 11 is not, so the broker may lack 11.
        let moved = [ledger.acknowledge(mid: 3), ledger.acknowledge(mid: 2)]
        #expect(moved == [false, false])
        #expect(ledger.acknowledged == 10)
        let last = ledger.acknowledge(mid: 1)
        #expect(last && ledger.acknowledged == 13 && ledger.inFlightCount == 0)
        let stranger = ledger.acknowledge(mid: 99)
        #expect(!stranger, "an id that is not an event's (a state, the status) changes nothing")
    }

    @Test func aLostConnectionSendsAgainFromTheWatermark() {
        var ledger = DeliveryLedger(acknowledged: 4)
        ledger.published(seq: 5, mid: 7)
        ledger.published(seq: 6, mid: 8)
        ledger.acknowledge(mid: 7)
        ledger.connectionLost()
        #expect(ledger.acknowledged == 5)
        #expect(ledger.sent == 5, "6 was never acknowledged: it goes out again")
        #expect(ledger.inFlightCount == 0)
        // The next connection reuses message ids; the old ones are forgotten.
        ledger.published(seq: 6, mid: 7)
        let moved = ledger.acknowledge(mid: 7)
        #expect(moved && ledger.acknowledged == 6)
    }

    @Test func seqsPassedOverCountAsHad() {
        var ledger = DeliveryLedger(acknowledged: 10)
        ledger.passedOver(through: 20)
        #expect(ledger.acknowledged == 20 && ledger.sent == 20)
        ledger.published(seq: 25, mid: 1)
        #expect(ledger.acknowledged == 20, "21-24 are a gap, 25 is in flight")
        ledger.acknowledge(mid: 1)
        #expect(ledger.acknowledged == 25)
        ledger.passedOver(through: 22)
        #expect(ledger.acknowledged == 25 && ledger.sent == 25, "never backwards")
    }

    @Test func aBrokerSeenBeforeResumesAfterItsSeqAndANewOneAtTheEnd() {
        #expect(DeliveryPlan.start(acknowledged: 40, lastSeq: 100, backlog: 0) == 40)
        #expect(DeliveryPlan.start(acknowledged: 40, lastSeq: 100, backlog: 1000) == 40, "the backlog is for the first use only")
        #expect(DeliveryPlan.start(acknowledged: nil, lastSeq: 100, backlog: 0) == 100, "first enabled: the next event")
        #expect(DeliveryPlan.start(acknowledged: nil, lastSeq: 100, backlog: 30) == 70)
        #expect(DeliveryPlan.start(acknowledged: nil, lastSeq: 100, backlog: .max) == 0, "a backlog past the start is everything")
        #expect(DeliveryPlan.start(acknowledged: 120, lastSeq: 100, backlog: 0) == 100, "never past the journal's end")
    }

    @Test func gapsAreTheSeqsAPageSkips() {
        // Nothing missing.
        #expect(DeliveryPlan.gaps(after: 10, seqs: [11, 12], lastSeq: 12, complete: true).isEmpty)
        // Retention took 11-14 and the page starts at 15; 17 is gone too.
        #expect(DeliveryPlan.gaps(after: 10, seqs: [15, 16, 18], lastSeq: 30, complete: false)
                == [JournalGap(first: 11, last: 14), JournalGap(first: 17, last: 17)])
        // Every event after 10 was pruned.
        #expect(DeliveryPlan.gaps(after: 10, seqs: [], lastSeq: 25, complete: true) == [JournalGap(first: 11, last: 25)])
        // A page that did not reach the end says nothing about what follows it.
        #expect(DeliveryPlan.gaps(after: 10, seqs: [11], lastSeq: 25, complete: false).isEmpty)
        #expect(DeliveryPlan.gaps(after: 25, seqs: [], lastSeq: 25, complete: true).isEmpty)
        #expect(JournalGap(first: 11, last: 25).description == "events 11-25 (15)")
        #expect(JournalGap(first: 7, last: 7).description == "event 7")
    }

    @Test func theBackoffDoublesToItsMaximumAndStartsOverAfterASuccess() {
        var backoff = ReconnectBackoff(initial: 0.5, maximum: 3)
        #expect([backoff.nextWait(), backoff.nextWait(), backoff.nextWait(), backoff.nextWait(), backoff.nextWait()] == [0.5, 1, 2, 3, 3])
        backoff.reset()
        #expect(backoff.nextWait() == 0.5)
    }
}
