import Foundation
import Logging
import MexJournal
import MexProtocol
import Synchronization

/// Publishes the daemon's records to an MQTT broker (mexd.toml(5), [mqtt];
/// docs/ARCHITECTURE.md section 3.7): each journaled EVENT on `PREFIX/SOURCE/event`,
/// each source's latest SOURCE record retained on `PREFIX/SOURCE/state`, STATS on
/// `PREFIX/stats`, and `online`/`offline` retained on `PREFIX/status`, `offline` also
/// as the connection's last will.
///
/// The work happens on a thread of its own (`PublisherLoop`): the methods the daemon
/// calls only post to a mailbox, so a broker that is down never blocks or slows a
/// source. Events are read from the journal and the seq up to which the broker
/// acknowledged them is stored there, so after an outage or a restart publishing
/// resumes where the broker stopped: an event may arrive twice, none is lost while the
/// journal keeps it.
public final class MQTTPublisher: Sendable {
    public let configuration: PublisherConfiguration
    private let journal: EventJournal
    private let mailbox: PublisherMailbox
    private let logger: Logger
    private let lifecycle = Mutex(Lifecycle.idle)

    /// Whether the thread was started, and who waits for it to end.
    private enum Lifecycle {
        case idle
        case running(waiters: [CheckedContinuation<Void, Never>])
        case ended
    }

    public init(configuration: PublisherConfiguration, journal: EventJournal, logger: Logger) throws(MQTTError) {
        self.configuration = configuration
        self.journal = journal
        self.logger = logger
        mailbox = try PublisherMailbox()
    }

    // MARK: What the daemon hands over

    /// An EVENT record after its journal commit; `seq` nil when the journal failed to
    /// store it (it is then published once, as it is, if the broker is there).
    public func eventCommitted(seq: Int64?, source: String, line: String) {
        guard configuration.publishes.contains(.event) else { return }
        mailbox.post { mail in
            if seq != nil {
                mail.journalChanged = true
            } else if mail.unjournaled.count < PublisherMailbox.unjournaledLimit {
                mail.unjournaled.append(.init(source: source, line: line))
            } else {
                mail.unjournaledDropped += 1
            }
        }
    }

    /// A SOURCE record: the source's state, retained.
    public func sourceState(_ source: String, line: String) {
        guard configuration.publishes.contains(.source) else { return }
        mailbox.post { mail in
            mail.states[source] = line
            mail.departed.remove(source)
        }
    }

    /// A source left SOURCES for good (a finished scan): its retained state is cleared.
    public func sourceLeft(_ source: String) {
        guard configuration.publishes.contains(.source) else { return }
        mailbox.post { mail in
            mail.states[source] = nil
            mail.departed.insert(source)
        }
    }

    /// A STATS record; only the latest is kept while the broker is away.
    public func stats(_ line: String) {
        guard configuration.publishes.contains(.stats) else { return }
        mailbox.post { $0.stats = line }
    }

    // MARK: Running

    /// Starts the publisher's thread at once, without waiting for Swift's thread pool
    /// (whose threads may all be busy); a second call does nothing.
    public func start() {
        guard lifecycle.withLock({ state in
            guard case .idle = state else { return false }
            state = .running(waiters: [])
            return true
        }) else { return }
        let thread = Thread { [self] in
            PublisherLoop(configuration: configuration, journal: journal, mailbox: mailbox, logger: logger).run()
            let waiters = lifecycle.withLock { state in
                defer { state = .ended }
                if case .running(let waiters) = state { return waiters }
                return []
            }
            waiters.forEach { $0.resume() }
        }
        thread.name = "mexd-mqtt"
        thread.start()
    }

    /// Returns once the thread has ended, after `stop()`: on a stop it publishes what
    /// the journal still holds for the broker and `offline`, waiting a few seconds at
    /// most for the acknowledgements, then disconnects; without a broker it ends at once.
    /// Returns at once if the thread never started.
    public func finished() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let waiting = lifecycle.withLock { state in
                guard case .running(var waiters) = state else { return false }
                waiters.append(continuation)
                state = .running(waiters: waiters)
                return true
            }
            if !waiting { continuation.resume() }
        }
    }

    /// Starts the thread and returns once it has ended, after `stop()`.
    public func run() async {
        start()
        await finished()
    }

    public func stop() {
        mailbox.post { $0.stopRequested = true }
    }
}
