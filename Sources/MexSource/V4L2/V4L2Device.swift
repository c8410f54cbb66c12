import MexCore

/// A failed V4L2 call: which request, and the errno it set.
public struct V4L2CallError: Error, Equatable, Sendable {
    public let operation: String
    public let errno: Int32

    public init(_ operation: String, errno: Int32) {
        self.operation = operation
        self.errno = errno
    }
}

public struct V4L2Capabilities: Sendable, Equatable {
    public var driver: String
    public var card: String
    public var busInfo: String
    /// The capabilities of this device node (device_caps when the driver sets it).
    public var capabilities: UInt32

    public init(driver: String, card: String, busInfo: String, capabilities: UInt32) {
        self.driver = driver
        self.card = card
        self.busInfo = busInfo
        self.capabilities = capabilities
    }

    static let videoCapture: UInt32 = 0x0000_0001
    static let streaming: UInt32 = 0x0400_0000
    public var canCapture: Bool { capabilities & Self.videoCapture != 0 }
    public var canStream: Bool { capabilities & Self.streaming != 0 }
}

public struct V4L2FormatDescription: Sendable, Equatable {
    public var pixelFormat: FourCC
    public var description: String
    /// libv4l converts to this format in software from one the camera really sends.
    public var emulated: Bool

    public init(pixelFormat: FourCC, description: String, emulated: Bool = false) {
        self.pixelFormat = pixelFormat
        self.description = description
        self.emulated = emulated
    }
}

public enum V4L2FrameSizes: Sendable, Equatable {
    case discrete([(width: Int, height: Int)])
    case stepwise(minWidth: Int, maxWidth: Int, minHeight: Int, maxHeight: Int)

    public static func == (a: V4L2FrameSizes, b: V4L2FrameSizes) -> Bool {
        switch (a, b) {
        case let (.discrete(x), .discrete(y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.width == $1.width && $0.height == $1.height }
        case let (.stepwise(a1, a2, a3, a4), .stepwise(b1, b2, b3, b4)):
            return (a1, a2, a3, a4) == (b1, b2, b3, b4)
        default: return false
        }
    }
}

/// The format the driver agreed to (VIDIOC_S_FMT may change every field).
public struct V4L2PixelFormat: Sendable, Equatable {
    public var pixelFormat: FourCC
    public var width: Int
    public var height: Int
    public var bytesPerLine: Int
    public var sizeImage: Int

    public init(pixelFormat: FourCC, width: Int, height: Int, bytesPerLine: Int = 0, sizeImage: Int = 0) {
        self.pixelFormat = pixelFormat
        self.width = width
        self.height = height
        self.bytesPerLine = bytesPerLine
        self.sizeImage = sizeImage
    }
}

/// A buffer the driver handed back with VIDIOC_DQBUF.
public struct V4L2DequeuedBuffer: Sendable, Equatable {
    public var index: Int
    public var bytesUsed: Int
    /// The driver's capture timestamp in seconds (usually CLOCK_MONOTONIC), 0 if unset.
    public var timestamp: Double
    public var sequence: UInt32
    /// V4L2_BUF_FLAG_ERROR: the data may be damaged.
    public var hasError: Bool

    public init(index: Int, bytesUsed: Int, timestamp: Double, sequence: UInt32, hasError: Bool = false) {
        self.index = index
        self.bytesUsed = bytesUsed
        self.timestamp = timestamp
        self.sequence = sequence
        self.hasError = hasError
    }
}

/// One control a driver offers (VIDIOC_QUERYCTRL).
public struct V4L2Control: Sendable, Equatable {
    /// The kinds mexd can set with VIDIOC_S_CTRL; others (64-bit, strings, compound)
    /// are listed but refused.
    public enum Kind: Sendable, Equatable {
        case integer, boolean, menu, integerMenu, button
        case other(UInt32)
    }

    public var id: UInt32
    /// The driver's name, such as "Exposure Time, Absolute".
    public var name: String
    public var kind: Kind
    public var minimum: Int
    public var maximum: Int
    public var step: Int
    public var defaultValue: Int
    public var readOnly: Bool
    /// Set but without effect for now (e.g. an exposure time while auto exposure is on).
    public var inactive: Bool

    public init(id: UInt32, name: String, kind: Kind, minimum: Int, maximum: Int, step: Int = 1,
                defaultValue: Int = 0, readOnly: Bool = false, inactive: Bool = false) {
        self.id = id
        self.name = name
        self.kind = kind
        self.minimum = minimum
        self.maximum = maximum
        self.step = step
        self.defaultValue = defaultValue
        self.readOnly = readOnly
        self.inactive = inactive
    }

    /// The name mexd.toml uses: v4l2-ctl's, lower case with each run of other characters
    /// one '_' ("Exposure Time, Absolute" is exposure_time_absolute).
    public var key: String { Self.key(for: name) }

    public static func key(for name: String) -> String { V4L2ControlKey.of(name) }
}

/// The ioctl and mmap layer of one open V4L2 device node.
///
/// `SystemV4L2Device` implements it with libv4l2; the capture state machine in
/// `V4L2Capture` only talks to this protocol, so it is tested against a fake device
/// that injects EAGAIN, EIO and ENODEV.
public protocol V4L2Device: AnyObject {
    var path: String { get }
    func capabilities() throws(V4L2CallError) -> V4L2Capabilities
    func formats() throws(V4L2CallError) -> [V4L2FormatDescription]
    func frameSizes(_ pixelFormat: FourCC) -> V4L2FrameSizes
    /// Discrete frame rates offered for a format and size, in frames per second.
    func frameRates(_ pixelFormat: FourCC, width: Int, height: Int) -> [Double]
    func setFormat(_ format: V4L2PixelFormat) throws(V4L2CallError) -> V4L2PixelFormat
    /// Returns the rate the driver chose, or nil if it cannot set one.
    func setFrameRate(_ fps: Double) throws(V4L2CallError) -> Double?
    /// The controls the driver offers, in its order (VIDIOC_QUERYCTRL with
    /// V4L2_CTRL_FLAG_NEXT_CTRL), without class headers and disabled controls.
    func controls() -> [V4L2Control]
    /// VIDIOC_S_CTRL.
    func setControl(id: UInt32, value: Int32) throws(V4L2CallError)
    /// VIDIOC_REQBUFS with mmap memory; returns the number the driver granted.
    func requestBuffers(_ count: Int) throws(V4L2CallError) -> Int
    /// VIDIOC_QUERYBUF then mmap. The memory stays valid until `releaseBuffers()`.
    func mapBuffer(_ index: Int) throws(V4L2CallError) -> UnsafeRawBufferPointer
    /// Unmaps every mapped buffer and frees them in the driver (REQBUFS 0).
    func releaseBuffers()
    func queueBuffer(_ index: Int) throws(V4L2CallError)
    func dequeueBuffer() throws(V4L2CallError) -> V4L2DequeuedBuffer
    func streamOn() throws(V4L2CallError)
    func streamOff()
    /// poll(2) for a filled buffer; false on timeout.
    func waitForFrame(timeoutMilliseconds: Int) throws(V4L2CallError) -> Bool
    func close()
}
