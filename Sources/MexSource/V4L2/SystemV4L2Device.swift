import CV4L2
import Foundation

/// A real V4L2 device node, driven through libv4l2 so that cameras which only send
/// vendor formats still offer a format mexd can read (libv4l converts in software).
public final class SystemV4L2Device: V4L2Device {
    public let path: String
    private var fd: Int32
    private var mapped: [UnsafeRawBufferPointer] = []

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    deinit { close() }

    /// Opens a device node, with errors a user can act on.
    public static func open(_ path: String) throws(SourceError) -> SystemV4L2Device {
        let fd = mexd_v4l2_open(path)
        guard fd >= 0 else {
            switch errno {
            case ENOENT, ENODEV, ENXIO: throw .noDevice(path)
            case EACCES, EPERM: throw .permissionDenied(path)
            case EBUSY: throw .deviceBusy(path)
            case let code: throw .deviceError(path, operation: "open", errno: code)
            }
        }
        return SystemV4L2Device(path: path, fd: fd)
    }

    /// The /dev/video* nodes present, in numeric order.
    public static func nodes(in directory: String = "/dev") -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasPrefix("video") && Int($0.dropFirst(5)) != nil }
            .sorted { Int($0.dropFirst(5))! < Int($1.dropFirst(5))! }
            .map { "\(directory)/\($0)" }
    }

    private func check(_ result: Int32, _ operation: String) throws(V4L2CallError) {
        if result < 0 { throw V4L2CallError(operation, errno: errno) }
    }

    public func capabilities() throws(V4L2CallError) -> V4L2Capabilities {
        var cap = v4l2_capability()
        try check(mexd_v4l2_querycap(fd, &cap), "VIDIOC_QUERYCAP")
        let deviceCaps = cap.capabilities & UInt32(V4L2_CAP_DEVICE_CAPS) != 0 ? cap.device_caps : cap.capabilities
        return V4L2Capabilities(driver: cString(cap.driver), card: cString(cap.card),
                                busInfo: cString(cap.bus_info), capabilities: deviceCaps)
    }

    public func formats() throws(V4L2CallError) -> [V4L2FormatDescription] {
        var result: [V4L2FormatDescription] = []
        for index in 0..<64 {
            var desc = v4l2_fmtdesc()
            desc.index = UInt32(index)
            desc.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
            if mexd_v4l2_enum_fmt(fd, &desc) < 0 {
                if errno == EINVAL { break }
                throw V4L2CallError("VIDIOC_ENUM_FMT", errno: errno)
            }
            result.append(V4L2FormatDescription(
                pixelFormat: FourCC(rawValue: desc.pixelformat), description: cString(desc.description),
                emulated: desc.flags & UInt32(V4L2_FMT_FLAG_EMULATED) != 0))
        }
        return result
    }

    public func frameSizes(_ pixelFormat: FourCC) -> V4L2FrameSizes {
        var sizes: [(width: Int, height: Int)] = []
        for index in 0..<256 {
            var size = v4l2_frmsizeenum()
            size.index = UInt32(index)
            size.pixel_format = pixelFormat.rawValue
            guard mexd_v4l2_enum_framesizes(fd, &size) >= 0 else { break }
            if size.type == V4L2_FRMSIZE_TYPE_DISCRETE.rawValue {
                sizes.append((Int(size.discrete.width), Int(size.discrete.height)))
            } else {
                let s = size.stepwise
                return .stepwise(minWidth: Int(s.min_width), maxWidth: Int(s.max_width),
                                 minHeight: Int(s.min_height), maxHeight: Int(s.max_height))
            }
        }
        return .discrete(sizes)
    }

    public func frameRates(_ pixelFormat: FourCC, width: Int, height: Int) -> [Double] {
        var rates: [Double] = []
        for index in 0..<64 {
            var interval = v4l2_frmivalenum()
            interval.index = UInt32(index)
            interval.pixel_format = pixelFormat.rawValue
            interval.width = UInt32(width)
            interval.height = UInt32(height)
            guard mexd_v4l2_enum_frameintervals(fd, &interval) >= 0,
                  interval.type == V4L2_FRMIVAL_TYPE_DISCRETE.rawValue else { break }
            let fraction = interval.discrete
            if fraction.numerator > 0 { rates.append(Double(fraction.denominator) / Double(fraction.numerator)) }
        }
        return rates
    }

    public func setFormat(_ format: V4L2PixelFormat) throws(V4L2CallError) -> V4L2PixelFormat {
        var request = v4l2_format()
        request.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
        request.fmt.pix.width = UInt32(format.width)
        request.fmt.pix.height = UInt32(format.height)
        request.fmt.pix.pixelformat = format.pixelFormat.rawValue
        request.fmt.pix.field = V4L2_FIELD_NONE.rawValue
        try check(mexd_v4l2_s_fmt(fd, &request), "VIDIOC_S_FMT")
        let pix = request.fmt.pix
        return V4L2PixelFormat(pixelFormat: FourCC(rawValue: pix.pixelformat), width: Int(pix.width),
                               height: Int(pix.height), bytesPerLine: Int(pix.bytesperline),
                               sizeImage: Int(pix.sizeimage))
    }

    public func setFrameRate(_ fps: Double) throws(V4L2CallError) -> Double? {
        var parm = v4l2_streamparm()
        parm.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
        // Frame rate as a time per frame of 1000/(fps*1000) keeps fractional rates such as 29.97.
        parm.parm.capture.timeperframe = v4l2_fract(numerator: 1000, denominator: UInt32((fps * 1000).rounded()))
        try check(mexd_v4l2_s_parm(fd, &parm), "VIDIOC_S_PARM")
        guard parm.parm.capture.capability & UInt32(V4L2_CAP_TIMEPERFRAME) != 0 else { return nil }
        let chosen = parm.parm.capture.timeperframe
        return chosen.numerator > 0 ? Double(chosen.denominator) / Double(chosen.numerator) : nil
    }

    public func controls() -> [V4L2Control] {
        var result: [V4L2Control] = []
        var query = v4l2_queryctrl()
        query.id = mexd_v4l2_ctrl_flag_next_ctrl()
        // Drivers enumerate a few dozen; the bound only guards against one that loops.
        for _ in 0..<1024 {
            guard mexd_v4l2_queryctrl(fd, &query) == 0 else { break }
            let flags = query.flags
            if query.type != V4L2_CTRL_TYPE_CTRL_CLASS.rawValue && flags & UInt32(V4L2_CTRL_FLAG_DISABLED) == 0 {
                result.append(V4L2Control(
                    id: query.id, name: cString(query.name), kind: Self.kind(query.type),
                    minimum: Int(query.minimum), maximum: Int(query.maximum), step: Int(query.step),
                    defaultValue: Int(query.default_value),
                    readOnly: flags & UInt32(V4L2_CTRL_FLAG_READ_ONLY) != 0,
                    inactive: flags & UInt32(V4L2_CTRL_FLAG_INACTIVE) != 0))
            }
            let next = query.id | mexd_v4l2_ctrl_flag_next_ctrl()
            query = v4l2_queryctrl()
            query.id = next
        }
        return result
    }

    private static func kind(_ type: UInt32) -> V4L2Control.Kind {
        switch type {
        case V4L2_CTRL_TYPE_INTEGER.rawValue: return .integer
        case V4L2_CTRL_TYPE_BOOLEAN.rawValue: return .boolean
        case V4L2_CTRL_TYPE_MENU.rawValue: return .menu
        case V4L2_CTRL_TYPE_INTEGER_MENU.rawValue: return .integerMenu
        case V4L2_CTRL_TYPE_BUTTON.rawValue: return .button
        default: return .other(type)
        }
    }

    public func setControl(id: UInt32, value: Int32) throws(V4L2CallError) {
        var control = v4l2_control(id: id, value: value)
        try check(mexd_v4l2_s_ctrl(fd, &control), "VIDIOC_S_CTRL")
    }

    public func requestBuffers(_ count: Int) throws(V4L2CallError) -> Int {
        var request = v4l2_requestbuffers()
        request.count = UInt32(count)
        request.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
        request.memory = V4L2_MEMORY_MMAP.rawValue
        try check(mexd_v4l2_reqbufs(fd, &request), "VIDIOC_REQBUFS")
        return Int(request.count)
    }

    /// A v4l2_buffer naming mmap buffer `index` of the capture queue.
    private func mmapBuffer(_ index: Int = 0) -> v4l2_buffer {
        var buffer = v4l2_buffer()
        buffer.index = UInt32(index)
        buffer.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
        buffer.memory = V4L2_MEMORY_MMAP.rawValue
        return buffer
    }

    public func mapBuffer(_ index: Int) throws(V4L2CallError) -> UnsafeRawBufferPointer {
        var buffer = mmapBuffer(index)
        try check(mexd_v4l2_querybuf(fd, &buffer), "VIDIOC_QUERYBUF")
        let start = mexd_v4l2_mmap(fd, Int(buffer.length), Int64(buffer.m.offset))
        guard let start, start != mexd_map_failed() else { throw V4L2CallError("mmap", errno: errno) }
        let memory = UnsafeRawBufferPointer(start: start, count: Int(buffer.length))
        mapped.append(memory)
        return memory
    }

    public func releaseBuffers() {
        for memory in mapped {
            _ = mexd_v4l2_munmap(UnsafeMutableRawPointer(mutating: memory.baseAddress), memory.count)
        }
        mapped.removeAll()
        var request = v4l2_requestbuffers()
        request.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
        request.memory = V4L2_MEMORY_MMAP.rawValue
        _ = mexd_v4l2_reqbufs(fd, &request)
    }

    public func queueBuffer(_ index: Int) throws(V4L2CallError) {
        var buffer = mmapBuffer(index)
        try check(mexd_v4l2_qbuf(fd, &buffer), "VIDIOC_QBUF")
    }

    public func dequeueBuffer() throws(V4L2CallError) -> V4L2DequeuedBuffer {
        var buffer = mmapBuffer()
        try check(mexd_v4l2_dqbuf(fd, &buffer), "VIDIOC_DQBUF")
        let stamp = Double(buffer.timestamp.tv_sec) + Double(buffer.timestamp.tv_usec) * 1e-6
        return V4L2DequeuedBuffer(index: Int(buffer.index), bytesUsed: Int(buffer.bytesused), timestamp: stamp,
                                  sequence: buffer.sequence, hasError: buffer.flags & UInt32(V4L2_BUF_FLAG_ERROR) != 0)
    }

    public func streamOn() throws(V4L2CallError) { try check(mexd_v4l2_streamon(fd), "VIDIOC_STREAMON") }

    public func streamOff() { _ = mexd_v4l2_streamoff(fd) }

    public func waitForFrame(timeoutMilliseconds: Int) throws(V4L2CallError) -> Bool {
        let n = mexd_v4l2_poll_readable(fd, Int32(timeoutMilliseconds))
        if n < 0 {
            if errno == EINTR { return false }
            throw V4L2CallError("poll", errno: errno)
        }
        return n > 0
    }

    public func close() {
        guard fd >= 0 else { return }
        if !mapped.isEmpty { releaseBuffers() }
        _ = mexd_v4l2_close(fd)
        fd = -1
    }
}

/// A fixed-size C char array (imported as a tuple) as a Swift string.
private func cString<T>(_ tuple: T) -> String {
    withUnsafeBytes(of: tuple) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
    }
}
