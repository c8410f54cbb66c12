import Synchronization

/// What the daemon hands the publisher's thread. Posting takes a lock for a small
/// update and writes one byte to wake the thread: it never waits for the broker, so a
/// broker that is slow or away costs the event path nothing.
///
/// Journaled events are not carried here: the thread reads them from the journal,
/// which holds them anyway, so a flag says that there are new ones. What is kept is
/// bounded: the latest state per source, the latest STATS, and at most
/// `unjournaledLimit` events that the journal failed to store.
final class PublisherMailbox: Sendable {
    /// An event the journal could not store: it has no seq and is published as it is.
    struct UnjournaledEvent: Sendable, Equatable {
        var source: String
        var line: String
    }

    struct Mail: Sendable {
        /// The journal has events the thread has not read yet.
        var journalChanged = false
        var unjournaled: [UnjournaledEvent] = []
        /// Unjournaled events dropped because the queue was full.
        var unjournaledDropped = 0
        /// The latest SOURCE record of each source that changed.
        var states: [String: String] = [:]
        /// Sources that left SOURCES (finished scans): their retained state is cleared.
        var departed: Set<String> = []
        /// The latest STATS record.
        var stats: String?
        var stopRequested = false
    }

    static let unjournaledLimit = 1000

    private let mail = Mutex(Mail())
    let wake: WakePipe

    init() throws(MQTTError) {
        wake = try WakePipe()
    }

    func post(_ change: (inout Mail) -> Void) {
        mail.withLock { change(&$0) }
        wake.signal()
    }

    /// What was posted since the last call; a stop request stays posted.
    func take() -> Mail {
        mail.withLock { mail in
            let taken = mail
            mail = Mail()
            mail.stopRequested = taken.stopRequested
            return taken
        }
    }
}
