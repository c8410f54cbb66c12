import Foundation
@testable import MexSource

/// A scripted V4L2 device: it behaves like a driver (buffers owned by either side,
/// streaming on or off) and plays a list of events, one per poll+DQBUF, so tests can
/// inject EAGAIN, EIO, damaged buffers, timeouts and an unplug (ENODEV).
final class FakeV4L2Device: V4L2Device, @unchecked Sendable {
    enum Event {
        case frame([UInt8], sequence: UInt32? = nil)
        case damaged
        case fail(Int32)
        case timeout
    }

    let path: String
    var caps = V4L2Capabilities(driver: "fake", card: "Fake Camera", busInfo: "platform:fake",
                                capabilities: V4L2Capabilities.videoCapture | V4L2Capabilities.streaming)
    var offered: [V4L2FormatDescription]
    var events: [Event]
    var setFormatError: Int32?
    var frameRate: Double? = 30
    var bufferCount = 4
    var bufferSize = 1 << 16
    var offeredControls: [V4L2Control] = []
    /// VIDIOC_S_CTRL fails with this errno for these control ids.
    var refusedControls: [UInt32: Int32] = [:]

    // What the capture did to the device.
    private(set) var requestedFormat: V4L2PixelFormat?
    private(set) var streaming = false
    private(set) var closed = false
    private(set) var released = false
    private(set) var queued: [Int] = []
    private(set) var misuse: [String] = []
    private(set) var setControls: [(id: UInt32, value: Int32)] = []
    /// The configuration requests in the order they came (S_FMT, S_CTRL, REQBUFS).
    private(set) var configurationCalls: [String] = []
    private var memory: [UnsafeMutableRawBufferPointer] = []
    private var sequence: UInt32 = 0

    init(path: String = "/dev/video9", formats: [FourCC], events: [Event]) {
        self.path = path
        self.offered = formats.map { V4L2FormatDescription(pixelFormat: $0, description: $0.description) }
        self.events = events
    }

    deinit { for m in memory { m.deallocate() } }

    func capabilities() throws(V4L2CallError) -> V4L2Capabilities { caps }
    func formats() throws(V4L2CallError) -> [V4L2FormatDescription] { offered }
    func frameSizes(_ pixelFormat: FourCC) -> V4L2FrameSizes { .discrete([(640, 480), (320, 240)]) }
    func frameRates(_ pixelFormat: FourCC, width: Int, height: Int) -> [Double] { [30, 15] }

    func setFormat(_ format: V4L2PixelFormat) throws(V4L2CallError) -> V4L2PixelFormat {
        if let setFormatError { throw V4L2CallError("VIDIOC_S_FMT", errno: setFormatError) }
        requestedFormat = format
        configurationCalls.append("S_FMT")
        // Like many drivers, it only offers 8x4 and picks that size whatever is asked.
        let bytesPerLine = format.pixelFormat == .yuyv || format.pixelFormat == .uyvy ? 16 : 8
        return V4L2PixelFormat(pixelFormat: format.pixelFormat, width: 8, height: 4,
                               bytesPerLine: bytesPerLine, sizeImage: bytesPerLine * 4)
    }

    func setFrameRate(_ fps: Double) throws(V4L2CallError) -> Double? { frameRate }

    func controls() -> [V4L2Control] { offeredControls }

    func setControl(id: UInt32, value: Int32) throws(V4L2CallError) {
        configurationCalls.append("S_CTRL")
        if streaming { misuse.append("control set while streaming") }
        if let code = refusedControls[id] { throw V4L2CallError("VIDIOC_S_CTRL", errno: code) }
        setControls.append((id, value))
    }

    func requestBuffers(_ count: Int) throws(V4L2CallError) -> Int {
        configurationCalls.append("REQBUFS")
        let granted = min(count, bufferCount)
        for _ in 0..<granted {
            memory.append(.allocate(byteCount: bufferSize, alignment: 16))
        }
        return granted
    }

    func mapBuffer(_ index: Int) throws(V4L2CallError) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(memory[index]) }

    func releaseBuffers() {
        if streaming { misuse.append("buffers released while streaming") }
        released = true
    }

    func queueBuffer(_ index: Int) throws(V4L2CallError) {
        if queued.contains(index) { misuse.append("buffer \(index) queued twice") }
        queued.append(index)
    }

    func streamOn() throws(V4L2CallError) {
        if queued.isEmpty { misuse.append("STREAMON with no buffer queued") }
        streaming = true
    }

    func streamOff() {
        streaming = false
        queued.removeAll()
    }

    func waitForFrame(timeoutMilliseconds: Int) throws(V4L2CallError) -> Bool {
        guard let next = events.first else {
            Thread.sleep(forTimeInterval: Double(timeoutMilliseconds) / 1000)
            return false
        }
        if case .timeout = next {
            events.removeFirst()
            Thread.sleep(forTimeInterval: Double(timeoutMilliseconds) / 1000)
            return false
        }
        return true
    }

    func dequeueBuffer() throws(V4L2CallError) -> V4L2DequeuedBuffer {
        if !streaming { misuse.append("DQBUF while not streaming") }
        let event = events.removeFirst()
        if case .fail(let code) = event { throw V4L2CallError("VIDIOC_DQBUF", errno: code) }
        guard !queued.isEmpty else {
            misuse.append("DQBUF with no buffer queued: the capture did not give buffers back")
            throw V4L2CallError("VIDIOC_DQBUF", errno: EINVAL)
        }
        let index = queued.removeFirst()
        sequence += 1
        switch event {
        case .frame(let bytes, let seq):
            if let seq { sequence = seq }
            memory[index].copyBytes(from: bytes)
            return V4L2DequeuedBuffer(index: index, bytesUsed: bytes.count, timestamp: 100 + Double(sequence) / 30, sequence: sequence)
        case .damaged:
            return V4L2DequeuedBuffer(index: index, bytesUsed: 0, timestamp: 100 + Double(sequence) / 30, sequence: sequence, hasError: true)
        case .fail, .timeout:
            fatalError("handled above")
        }
    }

    func close() {
        if streaming { misuse.append("closed while streaming") }
        closed = true
    }
}

/// An 8x4 YUYV frame whose luma is `base + x + 8*y` and chroma 0x80.
func yuyvFrame(base: UInt8 = 10) -> [UInt8] {
    var bytes: [UInt8] = []
    for y in 0..<4 {
        for x in 0..<8 {
            bytes.append(base &+ UInt8(x + 8 * y))
            bytes.append(0x80)
        }
    }
    return bytes
}

func expectedLuma(base: UInt8 = 10) -> [UInt8] { (0..<32).map { base &+ UInt8($0) } }
