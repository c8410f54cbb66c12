import Logging
import MexProtocol
import NIOCore

/// One client connection: request lines in, records out through a bounded queue.
///
/// Answers to the client's own requests are queued whatever the bound, so a client
/// that sends requests without reading the answers would grow the queue: past
/// `limits.subscriberQueue` records (or `maxPendingAnswers` POLL and SCAN answers
/// under way) the handler stops reading the client's requests until the queue has
/// drained to half, and the kernel's socket buffer pushes back on the client.
///
/// Only ever touched on its channel's event loop. The queue holds records not yet
/// handed to NIO; NIO itself holds at most the write-buffer high-water mark, and the
/// kernel the socket buffer. When the queue is full, FRAME and STATS go first (counted
/// and reported with DROPPED); an EVENT that still does not fit disconnects the client,
/// which can reconnect and POLL since its last seq (docs/ARCHITECTURE.md section 6).
final class SubscriberHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let id: Int
    private let hub: SubscriberHub
    private let responder: any ProtocolResponder
    private let limits: ServerLimits
    private let logger: Logger
    private var splitter: LineSplitter
    private(set) var watch = WatchOptions()
    private var queue = CircularBuffer<OutgoingRecord>()
    private var dropped: [RecordClass: Int] = [:]
    private var context: ChannelHandlerContext?
    private var requested = false
    private var closing = false
    private var lastRequest = NIODeadline.now()
    private var lastProgress = NIODeadline.now()
    private var lastStats: NIODeadline?
    private var timers: [Scheduled<Void>] = []
    private var idleCheck: RepeatedTask?
    /// The last async answer (POLL, SCAN) under way, which the next one waits for.
    private var previousAnswer: Task<Void, Never>?
    private var pendingAnswers = 0
    /// Reading requests is paused (see the type's comment).
    private var readingPaused = false
    private static let maxPendingAnswers = 16

    init(id: Int, hub: SubscriberHub, responder: any ProtocolResponder, limits: ServerLimits, logger: Logger) {
        self.id = id
        self.hub = hub
        self.responder = responder
        self.limits = limits
        self.logger = logger
        splitter = LineSplitter(limit: limits.requestLineBytes)
    }

    // MARK: channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelActive(context: ChannelHandlerContext) {
        enqueue(OutgoingRecord(responder.version()), force: true)
        let loop = context.eventLoop
        let bound = NIOLoopBound(self, eventLoop: loop)
        timers.append(loop.scheduleTask(in: .nanoseconds(Int64(limits.autoWatchDelay * 1e9))) {
            bound.value.autoWatch()
        })
        if limits.idleTimeout > 0 {
            idleCheck = loop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in
                bound.value.checkIdle()
            }
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        for timer in timers { timer.cancel() }
        idleCheck?.cancel()
        hub.remove(id)
        self.context = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        for piece in splitter.feed(buffer) {
            switch piece {
            case .tooLong:
                answer([OutgoingRecord(Records.error("request line longer than \(limits.requestLineBytes) bytes; skipped"))])
            case .line(let line):
                handle(line)
            }
        }
        updateReading()
    }

    /// Pauses reading requests while the client's answers pile up; resumes once they
    /// have drained to half.
    private func updateReading() {
        guard let context, !closing else { return }
        let backlog = queue.count > limits.subscriberQueue || pendingAnswers > Self.maxPendingAnswers
        if backlog && !readingPaused {
            readingPaused = true
            context.channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
        } else if readingPaused && queue.count <= limits.subscriberQueue / 2 && pendingAnswers <= Self.maxPendingAnswers / 2 {
            readingPaused = false
            context.channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
            context.read()
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            lastProgress = .now()
            drain()
        }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("client \(id): \(error)")
        context.close(promise: nil)
    }

    // MARK: requests

    private func handle(_ line: String) {
        switch ClientRequest.parse(line) {
        case .failure(let failure):
            requested = true
            lastRequest = .now()
            answer([OutgoingRecord(Records.error(failure.message))])
        case .success(nil):
            return
        case .success(let request?):
            requested = true
            lastRequest = .now()
            answer(request)
        }
    }

    private func answer(_ request: ClientRequest) {
        switch request {
        case .watch(let change):
            watch.apply(change)
            hub.setWantsFrames(id, watch.enabled && watch.frames)
            answer((watch.enabled ? [OutgoingRecord(responder.sources())] : []) + [OutgoingRecord(watch.record)])
        case .sources:
            answer([OutgoingRecord(responder.sources())])
        case .version:
            answer([OutgoingRecord(responder.version())])
        case .poll(var poll):
            // One page of at most pollMaximum events. After `since`, one more is read
            // to tell the client whether to POLL again from the last seq it got.
            let page = Int(min(poll.count ?? (poll.since == nil ? 10 : Int64(limits.pollMaximum)), Int64(limits.pollMaximum)))
            let paged = poll.since != nil
            poll.count = Int64(paged ? page + 1 : page)
            respond(to: .poll) { [responder, poll] in
                var lines = try await responder.poll(poll)
                let more = paged && lines.count > page
                if more { lines.removeLast(lines.count - page) }
                let header = Records.poll(count: lines.count, since: poll.since, more: paged ? more : nil)
                return [OutgoingRecord(header)] + lines.map { OutgoingRecord(name: .event, source: nil, line: $0) }
            }
        case .scan(let path):
            respond(to: .scan) { [responder] in [OutgoingRecord(try await responder.scan(path: path))] }
        }
    }

    /// Runs an async answer off the event loop and queues its records when it is
    /// ready, after the answers to this client's earlier requests: answers come in the
    /// order asked. They are not subject to the queue bound (the client asked).
    private func respond(to request: RequestClass?, _ work: @escaping @Sendable () async throws -> [OutgoingRecord]) {
        guard let loop = context?.eventLoop else { return }
        let bound = NIOLoopBound(self, eventLoop: loop)
        let before = previousAnswer
        pendingAnswers += 1
        previousAnswer = Task {
            let records: [OutgoingRecord]
            do { records = try await work() } catch { records = [OutgoingRecord(Records.error("\(error)", request: request))] }
            await before?.value
            loop.execute {
                let handler = bound.value
                for record in records { handler.enqueue(record, force: true) }
                handler.pendingAnswers -= 1
                if handler.pendingAnswers == 0 { handler.previousAnswer = nil }
                handler.updateReading()
            }
        }
    }

    /// Queues an immediate answer, behind any async answer still under way.
    private func answer(_ records: [OutgoingRecord]) {
        if pendingAnswers == 0 {
            for record in records { enqueue(record, force: true) }
        } else {
            respond(to: nil) { records }
        }
    }

    private func autoWatch() {
        guard !requested, !watch.enabled else { return }
        watch.enabled = true
        enqueue(OutgoingRecord(responder.sources()), force: true)
        enqueue(OutgoingRecord(watch.record), force: true)
    }

    private func checkIdle() {
        let idle = TimeAmount.nanoseconds(Int64(limits.idleTimeout * 1e9))
        let now = NIODeadline.now()
        if !watch.enabled && now - lastRequest > idle {
            enqueue(OutgoingRecord(Records.error("idle for \(Int(limits.idleTimeout)) s without WATCH or a request; closing")), force: true)
            close(after: true)
        } else if !queue.isEmpty, let context, !context.channel.isWritable, now - lastProgress > idle {
            logger.warning("client \(id) took no output for \(Int(limits.idleTimeout)) s; disconnected")
            hub.countDisconnect()
            close(after: false)
        }
    }

    // MARK: output

    /// A record published to every subscriber: queued if this one watches it.
    func deliver(_ record: OutgoingRecord) {
        guard !closing, watch.wants(record) else { return }
        if record.name == .stats {
            let now = NIODeadline.now()
            // `stats` is at most RequestLimits.statsInterval (a day), so this fits a TimeAmount.
            if let last = lastStats, now - last < .nanoseconds(Int64(max(0, watch.stats - 0.05) * 1e9)) { return }
            lastStats = now
        }
        enqueue(record)
    }

    func enqueue(_ record: OutgoingRecord, force: Bool = false) {
        guard !closing, context != nil else { return }
        if !force && queue.count >= limits.subscriberQueue {
            if record.isLossy {
                dropped[record.name, default: 0] += 1
                hub.countDrop()
                return
            }
            if let index = queue.firstIndex(where: \.isLossy) {
                dropped[queue[index].name, default: 0] += 1
                hub.countDrop()
                queue.remove(at: index)
            } else {
                logger.warning("client \(id) is not reading: \(record.name.rawValue) could not be queued; disconnected (it can POLL since its last seq)")
                hub.countDisconnect()
                close(after: false)
                return
            }
        }
        queue.append(record)
        drain()
    }

    private func drain() {
        guard let context, context.channel.isActive else { return }
        var wrote = false
        while context.channel.isWritable {
            if !dropped.isEmpty {
                context.write(wrapOutboundOut(droppedRecord().bytes), promise: nil)
                dropped.removeAll()
            } else if let next = queue.popFirst() {
                context.write(wrapOutboundOut(next.bytes), promise: nil)
            } else {
                break
            }
            wrote = true
        }
        if wrote {
            context.flush()
            lastProgress = .now()
        }
        if readingPaused { updateReading() }
    }

    private func droppedRecord() -> OutgoingRecord {
        OutgoingRecord(Records.dropped(dropped))
    }

    /// Sends the queue's records (and `final`), then closes.
    func finish(with final: [OutgoingRecord]) {
        for record in final { enqueue(record, force: true) }
        close(after: true)
    }

    private func close(after flushing: Bool) {
        guard !closing, let context else { return }
        closing = true
        guard flushing else {
            context.close(promise: nil)
            return
        }
        drain()
        // What did not fit NIO's buffer yet goes too, unless the client is not reading.
        if !dropped.isEmpty {
            context.write(wrapOutboundOut(droppedRecord().bytes), promise: nil)
            dropped.removeAll()
        }
        for record in queue { context.write(wrapOutboundOut(record.bytes), promise: nil) }
        queue.removeAll()
        let promise = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(ByteBuffer()), promise: promise)
        let channel = context.channel
        let deadline = context.eventLoop.scheduleTask(in: .seconds(2)) { channel.close(promise: nil) }
        promise.futureResult.whenComplete { _ in
            deadline.cancel()
            channel.close(promise: nil)
        }
    }
}
