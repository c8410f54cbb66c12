import Foundation
import Logging
import MexCore

/// Captures gray frames from a V4L2 camera with mmap streaming.
///
/// States: opened (capabilities checked, format and rate negotiated, buffers mapped
/// and queued) -> streaming (on the first `nextFrame()`) -> ended (stopped, lost or
/// stalled; buffers released and the device closed).
///
/// Errors while streaming: EAGAIN is retried; EIO and buffers flagged as damaged are
/// counted and skipped, up to `maxConsecutiveErrors` in a row; ENODEV (unplugged)
/// ends the capture with `.deviceLost`; no frame for `stallTimeout` gives `.stalled`.
public final class V4L2Capture: FrameProducer {
    public let info: StreamInfo
    public private(set) var statistics = SourceStatistics()
    public let negotiated: V4L2PixelFormat
    /// The controls set from `V4L2CaptureOptions.controls`, by key, and the problems met.
    public private(set) var appliedControls: [String: Int] = [:]
    public private(set) var controlWarnings: [String] = []

    private let device: any V4L2Device
    private let options: V4L2CaptureOptions
    private let logger: Logger
    private let converter: V4L2FrameConverter
    private let interruptFlag = InterruptFlag()
    private var buffers: [UnsafeRawBufferPointer] = []
    private var streaming = false
    private var ended = false
    private var consecutiveErrors = 0
    private var firstTimestamp: Double?
    private var lastSequence: UInt32?
    /// The index the next dequeued buffer gets (see `deliver`).
    private var nextIndex = 0
    private var lastFrameTime: ContinuousClock.Instant?
    private let clock = ContinuousClock()
    private var streamStart = ContinuousClock.now
    /// poll() slice: short enough that interrupt() and the stall timer are noticed quickly.
    private let pollSlice = 100

    public init(device: any V4L2Device, options: V4L2CaptureOptions = V4L2CaptureOptions(), logger: Logger) throws(SourceError) {
        self.device = device
        self.options = options
        self.logger = logger
        let path = device.path
        do {
            let caps = try device.capabilities()
            guard caps.canCapture, caps.canStream else {
                device.close()
                throw SourceError.notACaptureDevice(path)
            }
            let offered = try device.formats()
            guard let choice = options.preferredFormats.first(where: { want in offered.contains { $0.pixelFormat == want } }) else {
                device.close()
                let names = offered.map(\.pixelFormat.description).joined(separator: ", ")
                throw SourceError.unsupportedFormat(path, detail: "camera offers \(names.isEmpty ? "none" : names)")
            }
            let format = try device.setFormat(V4L2PixelFormat(pixelFormat: choice, width: options.width, height: options.height))
            guard format.width > 0, format.height > 0 else {
                device.close()
                throw SourceError.unsupportedFormat(path, detail: "driver set a \(format.width)x\(format.height) frame")
            }
            negotiated = format
            do {
                converter = try V4L2FrameConverter(format: format)
            } catch {
                device.close()
                throw SourceError.unsupportedFormat(path, detail: error.message)
            }
            // Not every driver lets the rate be set (EINVAL/ENOTTY); the camera then
            // runs at its default and frames carry their own timestamps.
            let rate = (try? device.setFrameRate(options.fps)) ?? nil
            // After the format and rate: some drivers reset controls when those change.
            if !options.controls.isEmpty {
                let plan = V4L2ControlPlan(requested: options.controls, available: device.controls())
                (appliedControls, controlWarnings) = plan.apply(to: device, logger: logger)
            }
            let granted = try device.requestBuffers(options.bufferCount)
            guard granted > 0 else {
                device.close()
                throw SourceError.deviceError(path, operation: "VIDIOC_REQBUFS", errno: ENOMEM)
            }
            for index in 0..<granted {
                buffers.append(try device.mapBuffer(index))
                try device.queueBuffer(index)
            }
            info = StreamInfo(kind: .v4l2, location: path, width: format.width, height: format.height,
                              fps: rate ?? options.fps, format: format.pixelFormat.description)
        } catch let error as V4L2CallError {
            device.close()
            throw Self.translate(error, path: path)
        } catch let error as SourceError {
            throw error
        } catch {
            device.close()
            throw SourceError.deviceError(path, operation: "open", errno: EIO)
        }
    }

    deinit { shutDown() }

    public func interrupt() { interruptFlag.raise() }

    public func nextFrame() throws(SourceError) -> Frame? {
        guard !ended else { return nil }
        do {
            return try captureNext()
        } catch {
            let translated: SourceError
            switch error {
            case let error as SourceError: translated = error
            case let error as V4L2CallError: translated = Self.translate(error, path: device.path)
            default: translated = .deviceError(device.path, operation: "capture", errno: EIO)
            }
            end(with: translated)
            throw translated
        }
    }

    private func captureNext() throws -> Frame? {
        if !streaming {
            try device.streamOn()
            streaming = true
            streamStart = clock.now
            lastFrameTime = streamStart
        }
        while true {
            if interruptFlag.isRaised {
                statistics.endReason = .stopped
                shutDown()
                return nil
            }
            if let last = lastFrameTime, clock.now - last > .seconds(options.stallTimeout) {
                throw SourceError.stalled(device.path, seconds: options.stallTimeout)
            }
            guard try device.waitForFrame(timeoutMilliseconds: pollSlice) else { continue }
            guard let buffer = try dequeue() else { continue }
            if let frame = try deliver(buffer) { return frame }
        }
    }

    /// VIDIOC_DQBUF, with nil for the errors that only mean "try again".
    private func dequeue() throws -> V4L2DequeuedBuffer? {
        let result = Result { () throws(V4L2CallError) in try device.dequeueBuffer() }
        switch result {
        case .success(let buffer):
            return buffer
        case .failure(let error) where error.errno == EAGAIN || error.errno == EINTR:
            return nil
        case .failure(let error) where error.errno == EIO:
            // EIO on DQBUF can be a temporary loss of signal (V4L2 spec); retry a few times.
            try countTransientError("VIDIOC_DQBUF: I/O error")
            return nil
        case .failure(let error):
            throw error
        }
    }

    /// Converts a dequeued buffer and gives it back to the driver. Returns nil for a
    /// buffer that is skipped (flagged damaged, or not convertible).
    private func deliver(_ buffer: V4L2DequeuedBuffer) throws -> Frame? {
        guard buffer.index >= 0, buffer.index < buffers.count else {
            throw V4L2CallError("VIDIOC_DQBUF", errno: EINVAL)
        }
        defer { lastSequence = buffer.sequence }
        // Frames are numbered as the driver captured them: one it skipped (its sequence
        // counter jumps) or one damaged here leaves its index out, so the pipeline sees
        // where frames were lost.
        if let last = lastSequence, buffer.sequence > last &+ 1 {
            let skipped = Int(buffer.sequence - last - 1)
            statistics.droppedFrames += skipped
            nextIndex += skipped
        }
        let index = nextIndex
        nextIndex += 1
        let image: GrayImage?
        if buffer.hasError {
            statistics.corruptFrames += 1
            image = nil
        } else {
            let memory = buffers[buffer.index]
            let used = buffer.bytesUsed > 0 ? min(buffer.bytesUsed, memory.count) : memory.count
            do {
                image = try converter.convert(UnsafeRawBufferPointer(rebasing: memory[0..<used]))
            } catch {
                statistics.corruptFrames += 1
                logger.debug("\(device.path): frame skipped: \(error.message)")
                image = nil
            }
        }
        // Requeue before anything else can fail, so the driver never runs dry.
        try device.queueBuffer(buffer.index)
        guard let image else {
            try countTransientError("damaged frame")
            return nil
        }
        consecutiveErrors = 0
        lastFrameTime = clock.now
        // The driver's capture timestamp is the truth; a driver that leaves it at zero
        // gets the time the frame reached mexd, from the start of streaming.
        let stamp = buffer.timestamp > 0 ? buffer.timestamp : (clock.now - streamStart).inSeconds
        if firstTimestamp == nil { firstTimestamp = stamp }
        let frame = Frame(index: index, pts: stamp - (firstTimestamp ?? stamp), wallTime: Date(), image: image)
        statistics.frames += 1
        return frame
    }

    private func countTransientError(_ what: String) throws(SourceError) {
        statistics.transientErrors += 1
        consecutiveErrors += 1
        if consecutiveErrors >= options.maxConsecutiveErrors {
            throw .deviceError(device.path, operation: "capture (\(consecutiveErrors) errors in a row, last: \(what))", errno: EIO)
        }
    }

    private func end(with error: SourceError) {
        statistics.endReason = .error
        statistics.warnings.append(error.description)
        shutDown()
    }

    private func shutDown() {
        guard !ended else { return }
        ended = true
        if streaming { device.streamOff() }
        streaming = false
        buffers.removeAll()
        device.releaseBuffers()
        device.close()
    }

    /// Maps errno from a V4L2 call to what it means for a user.
    static func translate(_ error: V4L2CallError, path: String) -> SourceError {
        switch error.errno {
        case ENODEV, ENXIO: return .deviceLost(path)
        case EBUSY: return .deviceBusy(path)
        case EACCES, EPERM: return .permissionDenied(path)
        default: return .deviceError(path, operation: error.operation, errno: error.errno)
        }
    }
}
