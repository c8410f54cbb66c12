import CMosquitto
import Foundation
import Logging
import MexJournal
import MexProtocol

/// The publisher's thread: connects to the broker, publishes, and reconnects with
/// back-off when the broker goes away. It owns everything here; the rest of the daemon
/// reaches it only through the mailbox.
///
/// One turn of the loop takes the mail, connects when the back-off allows, publishes
/// what is pending on an accepted connection (retained states, STATS, then the
/// journal's events after `ledger.sent`, at most `window` in flight), stores the
/// acknowledged seq, and waits in poll() for the broker's socket, a wake-up from the
/// mailbox, or a second to pass (keepalive).
final class PublisherLoop {
    /// Events published and not yet acknowledged, at most: a long backlog is read from
    /// the journal a page at a time as the broker takes it.
    static let window = 100
    /// A connection without the broker's CONNACK after this long is given up.
    static let connectTimeout: Duration = .seconds(30)
    /// On a stop, how long the broker gets to acknowledge what is in flight and `offline`.
    static let stopTimeout: Duration = .seconds(5)
    /// The acknowledged seq is written to the journal at most this often while events
    /// flow, and at once when a connection ends and on a stop.
    static let storeInterval: Duration = .seconds(1)

    private let configuration: PublisherConfiguration
    private let journal: EventJournal
    private let mailbox: PublisherMailbox
    private let logger: Logger
    private var topics: MQTTTopics { configuration.topics }
    private var broker: String { configuration.broker }

    private struct Connection {
        let client: MosquittoClient
        let started: ContinuousClock.Instant
        /// The broker accepted it (CONNACK 0): publishing may begin.
        var accepted = false
    }

    private var connection: Connection?
    private var backoff: ReconnectBackoff
    private var retryAt = ContinuousClock.now
    /// The failure last logged as a warning; the same one again is logged at debug.
    private var lastFailure: String?

    /// Where the broker stands with the journal's events; nil while the journal has not
    /// said (or when EVENT is not published).
    private var ledger: DeliveryLedger?
    /// The journal may hold events after `ledger.sent`.
    private var journalBehind = true
    /// The acknowledged seq last written to the journal, and when that was tried.
    private var storedSeq: Int64?
    private var storedAt = ContinuousClock.now

    /// The latest SOURCE record of each source; those not yet published on this connection.
    private var states: [String: String] = [:]
    private var unpublishedStates: Set<String> = []
    /// Sources whose retained state is to be cleared.
    private var departed: Set<String> = []
    private var unjournaled: [PublisherMailbox.UnjournaledEvent] = []
    private var stats: String?
    /// On a stop: the message id of `offline`, until the broker has it.
    private var awaitedMid: Int32?
    /// A stop was asked for: a lost connection is not tried again.
    private var stopping = false

    init(configuration: PublisherConfiguration, journal: EventJournal, mailbox: PublisherMailbox, logger: Logger) {
        self.configuration = configuration
        self.journal = journal
        self.mailbox = mailbox
        self.logger = logger
        backoff = configuration.reconnect
    }

    func run() {
        // libmosquitto (and OpenSSL under it) writes with write(2): after the broker hung
        // up, a write raises SIGPIPE, whose default action ends the process. Blocked on
        // this thread, the signal stays pending here and the write fails with EPIPE,
        // which ends the connection like any other error.
        var pipeSignal = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &pipeSignal, nil)
        logger.info("mqtt: publishing to \(broker) as \(configuration.clientID) under \(topics.prefix)/")
        // Where the events start is settled now, not at the first connection: events
        // spotted while the broker is still away are published once it is there.
        if configuration.publishes.contains(.event) { startLedger() }
        while true {
            let mail = mailbox.take()
            absorb(mail)
            if mail.stopRequested { break }
            if connection == nil, ContinuousClock.now >= retryAt { connect() }
            if connection?.accepted == true { publishPending() }
            storeAcknowledged(force: false)
            serve(timeout: connection == nil ? min(max(retryAt - ContinuousClock.now, .zero), .seconds(1)) : .seconds(1))
        }
        finish()
    }

    // MARK: The mail

    private func absorb(_ mail: PublisherMailbox.Mail) {
        if mail.journalChanged { journalBehind = true }
        for (source, line) in mail.states {
            states[source] = line
            unpublishedStates.insert(source)
            departed.remove(source)
        }
        for source in mail.departed {
            states[source] = nil
            unpublishedStates.remove(source)
            departed.insert(source)
        }
        if let line = mail.stats { stats = line }
        unjournaled += mail.unjournaled
        let excess = unjournaled.count - PublisherMailbox.unjournaledLimit
        if excess > 0 { unjournaled.removeFirst(excess) }
        let dropped = mail.unjournaledDropped + max(0, excess)
        if dropped > 0 {
            logger.error("mqtt: \(dropped) events the journal could not store were dropped while \(broker) was away")
        }
    }

    // MARK: The connection

    private func connect() {
        if configuration.publishes.contains(.event) && ledger == nil { startLedger() }
        do {
            let client = try MosquittoClient(configuration.client)
            try client.connect(host: configuration.host, port: configuration.port, keepalive: configuration.keepalive)
            connection = Connection(client: client, started: .now)
        } catch {
            failed(error.detail)
        }
    }

    /// Drops the connection, if any, and waits before the next attempt.
    private func failed(_ reason: String) {
        connection = nil
        if stopping {
            logger.warning("mqtt: \(reason)")
            return
        }
        let wait = backoff.nextWait()
        retryAt = .now + .milliseconds(Int64(wait * 1000))
        let message: Logger.Message = "mqtt: \(reason); trying again in \(JSONObject.formatNumber(wait, decimals: 1)) s"
        if reason == lastFailure { logger.debug(message) } else { logger.warning(message) }
        lastFailure = reason
    }

    /// Waits up to `timeout` for the socket or the mailbox, then lets libmosquitto read,
    /// write and keep the connection alive, and handles what it reported.
    private func serve(timeout: Duration) {
        var fds = [pollfd(fd: mailbox.wake.readEnd, events: Int16(POLLIN), revents: 0)]
        let client = connection?.client
        if let client, client.socket >= 0 {
            fds.append(pollfd(fd: client.socket, events: Int16(POLLIN) | (client.wantsWrite ? Int16(POLLOUT) : 0), revents: 0))
        }
        _ = poll(&fds, nfds_t(fds.count), Self.milliseconds(timeout))
        if fds[0].revents != 0 { mailbox.wake.drain() }
        guard let client else { return }
        if fds.count > 1 {
            let ready = fds[1].revents
            if ready & Int16(POLLIN | POLLERR | POLLHUP) != 0 { _ = client.read() }
            if client.socket >= 0, ready & Int16(POLLOUT) != 0 { _ = client.write() }
        }
        if client.socket >= 0 { _ = client.housekeeping() }
        for event in client.takeEvents() where connection != nil {
            handle(event)
        }
        guard let connection else { return }
        if connection.client.socket < 0 {
            lost("the connection closed")
        } else if !connection.accepted && ContinuousClock.now - connection.started > Self.connectTimeout {
            lost("no answer within \(Self.connectTimeout)")
        }
    }

    private func handle(_ event: ClientEvent) {
        switch event {
        case .connected(let code) where code == 0:
            accepted()
        case .connected(let code):
            lost("the broker refused the connection: \(String(cString: mosquitto_connack_string(code)))")
        case .disconnected(let code):
            lost(code == 0 ? "disconnected" : MQTTError.reason(code))
        case .published(let mid):
            if mid == awaitedMid { awaitedMid = nil }
            ledger?.acknowledge(mid: mid)
        }
    }

    private func accepted() {
        connection?.accepted = true
        backoff.reset()
        lastFailure = nil
        journalBehind = true
        // A broker that restarted without persistence lost its retained messages.
        unpublishedStates = Set(states.keys)
        let resume = ledger.map { " resuming after event \($0.acknowledged)" } ?? ""
        logger.notice("mqtt: connected to \(broker);\(resume)")
        publishControl(topic: topics.status, payload: MQTTTopics.online, retain: true)
    }

    private func lost(_ reason: String) {
        let wasAccepted = connection?.accepted == true
        ledger?.connectionLost()
        storeAcknowledged(force: true)
        failed(wasAccepted ? "connection to \(broker) lost: \(reason)" : "cannot connect to \(broker): \(reason)")
    }

    // MARK: Publishing

    /// What waits for an accepted connection: cleared and changed states, STATS,
    /// events the journal could not store, then the journal's events. A publish that
    /// fails leaves the rest for the next turn; a broken connection is noticed by the
    /// next read or write.
    private func publishPending() {
        guard let client = connection?.client else { return }
        do {
            while let source = departed.first {
                _ = try client.publish(topic: topics.state(source), payload: "", qos: 1, retain: true)
                departed.remove(source)
            }
            while let source = unpublishedStates.first {
                if let line = states[source] { _ = try client.publish(topic: topics.state(source), payload: line, qos: 1, retain: true) }
                unpublishedStates.remove(source)
            }
            if let line = stats {
                _ = try client.publish(topic: topics.stats, payload: line, qos: 1, retain: false)
                stats = nil
            }
            while let event = unjournaled.first {
                _ = try client.publish(topic: topics.event(event.source), payload: event.line, qos: configuration.qos, retain: false)
                unjournaled.removeFirst()
            }
            try publishJournal(client)
        } catch {
            logger.warning("mqtt: \(error.detail)")
        }
    }

    /// The journal's events after `ledger.sent`, a page at a time while fewer than
    /// `window` are in flight. Seqs the journal no longer has are reported as a gap.
    private func publishJournal(_ client: MosquittoClient) throws(MQTTError) {
        while journalBehind, let sent = ledger?.sent, let inFlight = ledger?.inFlightCount, inFlight < Self.window {
            let limit = Self.window - inFlight
            let page: DeliveryPage
            do {
                page = try journal.deliveryPage(after: sent, limit: limit)
            } catch {
                // Tried again at the next event or connection.
                logger.error("mqtt: \(error)")
                journalBehind = false
                return
            }
            let complete = page.entries.count < limit
            for gap in DeliveryPlan.gaps(after: sent, seqs: page.entries.map(\.seq), lastSeq: page.lastSeq, complete: complete) {
                report(gap)
            }
            for entry in page.entries {
                let mid = try client.publish(topic: topics.event(entry.source), payload: entry.record, qos: configuration.qos, retain: false)
                ledger?.published(seq: entry.seq, mid: mid)
            }
            if complete {
                ledger?.passedOver(through: page.lastSeq)
                journalBehind = false
            }
        }
    }

    /// Events pruned before the broker had them: logged, and said on the status topic
    /// (not retained, so `online` stays the retained status).
    private func report(_ gap: JournalGap) {
        logger.warning("mqtt: \(gap) left the journal (retention) before \(broker) acknowledged them; they are not published")
        var range = JSONObject()
        range.set("first_seq", Int(gap.first))
        range.set("last_seq", Int(gap.last))
        range.set("count", Int(gap.count))
        var note = JSONObject()
        note.set("gap", range)
        note.set("reason", "deleted from the journal before the broker acknowledged them")
        publishControl(topic: topics.status, payload: note.line, retain: false)
    }

    /// A message of mexd's own (status), at QoS 1; its message id, or nil if it failed.
    @discardableResult
    private func publishControl(topic: String, payload: String, retain: Bool) -> Int32? {
        do {
            return try connection?.client.publish(topic: topic, payload: payload, qos: 1, retain: retain)
        } catch {
            logger.warning("mqtt: \(error.detail)")
            return nil
        }
    }

    // MARK: The journal's record of the broker

    /// Reads where the broker stands; the first time this broker is used, it starts at
    /// the journal's last seq (less `backlog`), and that is stored at once.
    private func startLedger() {
        do {
            let acknowledged = try journal.acknowledgedSeq(broker: broker)
            let start = DeliveryPlan.start(acknowledged: acknowledged, lastSeq: try journal.lastSeq(), backlog: configuration.backlog)
            if acknowledged == nil {
                try journal.storeAcknowledgedSeq(start, broker: broker)
                logger.notice("mqtt: first use of \(broker): events after seq \(start) are published")
            }
            ledger = DeliveryLedger(acknowledged: start)
            storedSeq = start
        } catch {
            logger.error("mqtt: \(error); events are not published until the journal answers")
        }
    }

    private func storeAcknowledged(force: Bool) {
        guard let seq = ledger?.acknowledged, seq > (storedSeq ?? .min) else { return }
        guard force || ContinuousClock.now - storedAt >= Self.storeInterval else { return }
        storedAt = .now
        do {
            try journal.storeAcknowledgedSeq(seq, broker: broker)
            storedSeq = seq
        } catch {
            logger.error("mqtt: \(error)")
        }
    }

    // MARK: Stopping

    /// Publishes what is pending and `offline` (retained), waits up to `stopTimeout`
    /// for the broker to acknowledge them, and disconnects, so that the broker drops
    /// the last will. Without an accepted connection there is nothing to wait for.
    private func finish() {
        stopping = true
        defer {
            storeAcknowledged(force: true)
            connection = nil
        }
        guard connection?.accepted == true else { return }
        publishPending()
        awaitedMid = publishControl(topic: topics.status, payload: MQTTTopics.offline, retain: true)
        let deadline = ContinuousClock.now + Self.stopTimeout
        while connection?.accepted == true, ContinuousClock.now < deadline,
              awaitedMid != nil || (ledger != nil && journalBehind) || (ledger?.inFlightCount ?? 0) > 0 {
            serve(timeout: .milliseconds(100))
            if connection?.accepted == true { publishPending() }
        }
        guard let client = connection?.client else { return }
        client.disconnect()
        while client.socket >= 0, client.wantsWrite, ContinuousClock.now < deadline {
            var fd = pollfd(fd: client.socket, events: Int16(POLLOUT), revents: 0)
            _ = poll(&fd, 1, 100)
            _ = client.write()
        }
        logger.info("mqtt: disconnected from \(broker)")
    }

    static func milliseconds(_ duration: Duration) -> Int32 {
        let (seconds, attoseconds) = duration.components
        return Int32(clamping: max(0, seconds * 1000 + attoseconds / 1_000_000_000_000_000))
    }
}
