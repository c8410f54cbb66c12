import Foundation
import Logging
import MexProtocol
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Why the server could not start.
public enum ServerError: Error, CustomStringConvertible, Sendable {
    case inUse(String)
    case bind(String, reason: String)
    case group(String)

    public var description: String {
        switch self {
        case .inUse(let path): "\(path): another process is listening on it (is mexd already running?)"
        case let .bind(path, reason): "cannot listen on \(path): \(reason)"
        case .group(let name): "socket group \"\(name)\" does not exist"
        }
    }
}

/// The Unix-socket protocol server (docs/ARCHITECTURE.md section 8; man/mexd-protocol.7).
public final class ProtocolServer: Sendable {
    /// Where clients connect.
    public enum Listener: Sendable, Equatable {
        /// Bind this path (a stale socket is replaced), with these permission bits and group.
        case path(String, mode: UInt32, group: String?)
        /// A listening socket systemd passed (socket activation).
        case inherited(fd: Int32)
    }

    public let hub: SubscriberHub
    private let group: MultiThreadedEventLoopGroup
    private let responder: any ProtocolResponder
    private let limits: ServerLimits
    private let logger: Logger
    private let channel = NIOLockedValueBox<(any Channel)?>(nil)

    public init(responder: any ProtocolResponder, limits: ServerLimits, logger: Logger) {
        self.responder = responder
        self.limits = limits
        self.logger = logger
        hub = SubscriberHub(maxClients: limits.maxClients)
        // One loop: the server's work per record is a queue append and a write.
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    }

    /// Starts listening; returns a description of where.
    @discardableResult
    public func start(_ listener: Listener) async throws(ServerError) -> String {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            // Small buffers in NIO and in the kernel keep what a stuck client costs to tens
            // of KiB and let the queue policy (DROPPED, disconnect) act within seconds;
            // a subscriber that reads keeps up easily (FRAME records are ~8 KB/s a source).
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 8 * 1024, high: 16 * 1024))
            .childChannelOption(.socketOption(.so_sndbuf), value: 16 * 1024)
            .childChannelInitializer { [hub, responder, limits, logger] channel in
                guard let id = hub.reserve() else {
                    return channel.pipeline.addHandler(RefusalHandler(maxClients: limits.maxClients))
                }
                let handler = SubscriberHandler(id: id, hub: hub, responder: responder, limits: limits, logger: logger)
                do {
                    try channel.pipeline.syncOperations.addHandler(handler)
                    hub.add(handler, loop: channel.eventLoop)
                    return channel.eventLoop.makeSucceededVoidFuture()
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
            }
        let bound: any Channel
        let description: String
        switch listener {
        case .inherited(let fd):
            do {
                bound = try await bootstrap.withBoundSocket(fd).get()
            } catch {
                throw .bind("fd \(fd)", reason: "\(error)")
            }
            description = "socket fd \(fd) from systemd"
        case let .path(path, mode, groupName):
            try Self.removeStale(path)
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty { try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
            do {
                bound = try await bootstrap.bind(unixDomainSocketPath: path).get()
            } catch {
                throw .bind(path, reason: "\(error)")
            }
            guard chmod(path, mode_t(mode)) == 0 else { throw .bind(path, reason: "chmod: \(String(cString: strerror(errno)))") }
            if let groupName {
                guard let entry = getgrnam(groupName) else { throw .group(groupName) }
                guard chown(path, uid_t.max, entry.pointee.gr_gid) == 0 else {
                    throw .bind(path, reason: "chown to group \(groupName): \(String(cString: strerror(errno)))")
                }
            }
            description = path
        }
        channel.withLockedValue { $0 = bound }
        return description
    }

    /// A socket file nobody accepts on is left over from a crash: remove it. One that
    /// accepts belongs to a running daemon.
    private static func removeStale(_ path: String) throws(ServerError) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard (info.st_mode & S_IFMT) == S_IFSOCK else { throw .bind(path, reason: "exists and is not a socket") }
        switch UnixSocketAddress.connect(path: path) {
        case .success(let fd):
            close(fd)
            throw .inUse(path)
        case .failure(let error) where error.code == .ENAMETOOLONG:
            throw .bind(path, reason: "path too long")
        case .failure:
            break
        }
        unlink(path)
    }

    public func publish(_ record: OutgoingRecord) {
        hub.publish(record)
    }

    /// Sends `final` to every client, closes them and stops listening.
    public func shutdown(final: [OutgoingRecord]) async {
        let listening = channel.withLockedValue { c -> (any Channel)? in defer { c = nil }; return c }
        try? await listening?.close().get()
        for future in hub.finishAll(with: final) { try? await future.get() }
        // Give the closes time to flush (each bounded by 2 s in the handler).
        var waited = 0
        while hub.counters.clients > 0 && waited < 30 {
            try? await Task.sleep(for: .milliseconds(100))
            waited += 1
        }
        try? await group.shutdownGracefully()
    }
}

/// Tells a client over the limit why, then closes.
private final class RefusalHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let maxClients: Int

    init(maxClients: Int) {
        self.maxClients = maxClients
    }

    func channelActive(context: ChannelHandlerContext) {
        let line = Records.error("too many clients (\(maxClients)); try later").line + "\n"
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: line))).whenComplete { _ in channel.close(promise: nil) }
    }
}
