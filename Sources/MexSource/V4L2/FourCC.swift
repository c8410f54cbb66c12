/// A V4L2 pixel format code. videodev2.h builds these with the v4l2_fourcc() macro,
/// which Swift cannot import, so they are spelled out here.
public struct FourCC: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32

    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public init(_ code: StaticString) {
        precondition(code.utf8CodeUnitCount == 4, "a FourCC has four characters")
        let p = code.utf8Start
        rawValue = UInt32(p[0]) | UInt32(p[1]) << 8 | UInt32(p[2]) << 16 | UInt32(p[3]) << 24
    }

    public var description: String {
        let bytes = (0..<4).map { UInt8(truncatingIfNeeded: rawValue >> (8 * $0)) }
        return String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: " ")
    }

    public static let grey = FourCC("GREY")
    public static let yuyv = FourCC("YUYV")
    public static let uyvy = FourCC("UYVY")
    public static let nv12 = FourCC("NV12")
    public static let nv21 = FourCC("NV21")
    public static let yuv420 = FourCC("YU12")
    public static let yvu420 = FourCC("YV12")
    public static let mjpeg = FourCC("MJPG")
    public static let jpeg = FourCC("JPEG")
}

private extension String {
    func trimmingCharacters(in character: Character) -> String {
        var s = self
        while s.last == character { s.removeLast() }
        return s
    }
}
