/// A face's square box in frame pixels.
public struct FaceBox: Sendable, Equatable, CustomStringConvertible {
    public var x: Double
    public var y: Double
    public var width: Double
    public var height: Double

    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    public var centerX: Double { x + width / 2 }
    public var centerY: Double { y + height / 2 }
    public var area: Double { max(0, width) * max(0, height) }

    /// Intersection over union, for matching detections to tracks.
    public func iou(_ other: FaceBox) -> Double {
        let ix = max(0, min(x + width, other.x + other.width) - max(x, other.x))
        let iy = max(0, min(y + height, other.y + other.height) - max(y, other.y))
        let inter = ix * iy
        let union = area + other.area - inter
        return union > 0 ? inter / union : 0
    }

    /// The box grown by `factor` about its centre.
    public func scaled(by factor: Double) -> FaceBox {
        FaceBox(x: centerX - width * factor / 2, y: centerY - height * factor / 2,
                width: width * factor, height: height * factor)
    }

    /// Integer pixel box (rounded), as crops and the wire format use.
    public var rounded: (x: Int, y: Int, width: Int, height: Int) {
        (Int(x.rounded()), Int(y.rounded()), Int(width.rounded()), Int(height.rounded()))
    }

    public var description: String {
        let r = rounded
        return "[\(r.x),\(r.y),\(r.width),\(r.height)]"
    }
}
