import CMexVision

/// An OpenCV call that failed, with OpenCV's own message.
public struct VisionError: Error, Equatable, CustomStringConvertible {
    public let operation: String
    public let message: String

    public init(_ operation: String, _ message: String) {
        self.operation = operation
        self.message = message
    }

    public var description: String { "\(operation): \(message)" }

    /// Calls a mexvision function with an error buffer; throws if it fails.
    @discardableResult
    public static func check(_ operation: String, _ body: (UnsafeMutablePointer<CChar>, Int) -> Int32) throws(VisionError) -> Int32 {
        var buffer = [CChar](repeating: 0, count: 512)
        let status = buffer.withUnsafeMutableBufferPointer { body($0.baseAddress!, $0.count) }
        if status < 0 {
            throw VisionError(operation, String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return status
    }
}
