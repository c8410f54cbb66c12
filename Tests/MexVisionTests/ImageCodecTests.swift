import Foundation
import MexCore
import MexTestSupport
import MexVision
import Testing

/// JPEG and PNG through OpenCV, and its color maps.
@Suite struct ImageCodecTests {
    /// A smooth gray picture with detail in both directions.
    static let gray: GrayImage = {
        var pixels: [UInt8] = []
        for y in 0..<48 {
            for x in 0..<64 { pixels.append(UInt8(3 * x + y)) }
        }
        return GrayImage(width: 64, height: 48, pixels: pixels)
    }()

    /// A smooth color picture: red rises to the right, green downwards, blue is constant.
    static let color: ColorImage = {
        var pixels: [UInt8] = []
        for y in 0..<48 {
            for x in 0..<64 { pixels += [UInt8(4 * x), UInt8(5 * y), 90] }
        }
        return ColorImage(width: 64, height: 48, pixels: pixels)
    }()

    static func solid(_ red: UInt8, _ green: UInt8, _ blue: UInt8) -> ColorImage {
        ColorImage(width: 16, height: 8, pixels: Array(repeating: [red, green, blue], count: 16 * 8).flatMap { $0 })
    }

    /// The mean absolute difference between two byte arrays of the same length.
    static func meanDifference(_ a: [UInt8], _ b: [UInt8]) -> Double {
        Double(zip(a, b).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }) / Double(a.count)
    }

    @Test func pngRoundTripIsExact() throws {
        #expect(try ImageCodec.decodeGray(ImageCodec.encode(Self.gray, as: .png)) == Self.gray)
        #expect(try ImageCodec.decodeColor(ImageCodec.encode(Self.color, as: .png)) == Self.color)
    }

    @Test func jpegRoundTripIsClose() throws {
        let gray = try ImageCodec.decodeGray(ImageCodec.encode(Self.gray, as: .jpeg(quality: 90)))
        #expect(gray.width == 64 && gray.height == 48)
        #expect(Self.meanDifference(gray.pixels, Self.gray.pixels) < 2)
        let color = try ImageCodec.decodeColor(ImageCodec.encode(Self.color, as: .jpeg(quality: 90)))
        #expect(color.width == 64 && color.height == 48)
        #expect(Self.meanDifference(color.pixels, Self.color.pixels) < 3)
    }

    @Test func filesStartWithTheirFormatsSignature() throws {
        #expect(try ImageCodec.encode(Self.gray, as: .jpeg(quality: 80)).prefix(3) == [0xFF, 0xD8, 0xFF])
        #expect(try ImageCodec.encode(Self.color, as: .png).prefix(8) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(ImageCodec.Format.jpeg(quality: 80).fileExtension == "jpg")
        #expect(ImageCodec.Format.png.mimeType == "image/png")
    }

    /// A round trip through our own encoder and decoder would hide a swap of red and
    /// blue done in both directions, so each direction is checked on its own: the
    /// encoder's file read back as gray (luma weights red 0.299, blue 0.114), and the
    /// decoder on a PNG the ffmpeg tool wrote.
    @Test func redStaysRed() throws {
        let red = Self.solid(255, 0, 0)
        let png = try ImageCodec.encode(red, as: .png)
        #expect(try ImageCodec.decodeColor(png) == red)
        let luma = try ImageCodec.decodeGray(png)
        #expect(luma.pixels.allSatisfy { (74...78).contains($0) }, "red read as gray: \(luma.pixels[0])")

        let ffmpegPNG = TestVideos.pngSequence.deletingLastPathComponent().appendingPathComponent("img001.png")
        let decoded = try ImageCodec.decodeColor([UInt8](Data(contentsOf: ffmpegPNG)))
        #expect(decoded.width == 64 && decoded.height == 48)
        // ffmpeg's color source goes through YUV: 0xC86432 comes back within a level or two.
        let (r, g, b) = decoded[10, 10]
        #expect(abs(Int(r) - 200) <= 2 && abs(Int(g) - 100) <= 2 && abs(Int(b) - 50) <= 2, "\(decoded[10, 10])")

        let jpeg = try ImageCodec.decodeColor(ImageCodec.encode(red, as: .jpeg(quality: 90)))
        let pixel = jpeg[8, 4]
        #expect(pixel.red > 240 && pixel.green < 15 && pixel.blue < 15, "red after JPEG: \(pixel)")
    }

    @Test func grayDecodedAsColorRepeatsEachLevel() throws {
        let color = try ImageCodec.decodeColor(ImageCodec.encode(Self.gray, as: .png))
        #expect(color == ColorImage(gray: Self.gray))
    }

    @Test func damagedInputThrows() throws {
        let png = try ImageCodec.encode(Self.color, as: .png)
        let jpeg = try ImageCodec.encode(Self.color, as: .jpeg(quality: 90))
        // libjpeg fills the missing rows of a longer JPEG cut short, and OpenCV returns
        // that picture without complaint; the missing end marker gives it away.
        let noise = ColorImage(width: 320, height: 240, pixels: (0..<(320 * 240 * 3)).map { UInt8(truncatingIfNeeded: ($0 * 7919) >> 3) })
        let longJPEG = try ImageCodec.encode(noise, as: .jpeg(quality: 90))
        var flipped = png
        for i in 60..<80 { flipped[i] ^= 0x5A }  // inside the first chunk's data: its CRC fails
        let inputs: [(String, [UInt8])] = [
            ("empty", []),
            ("text", Array("this is not a picture".utf8)),
            ("PNG cut in half", Array(png.prefix(png.count / 2))),
            ("PNG signature only", Array(png.prefix(8))),
            ("PNG with damaged data", flipped),
            ("JPEG cut in half", Array(jpeg.prefix(jpeg.count / 2))),
            ("JPEG header only", Array(jpeg.prefix(2))),
            ("JPEG cut at 90 %", Array(longJPEG.prefix(longJPEG.count * 9 / 10))),
        ]
        for (name, bytes) in inputs {
            #expect(throws: VisionError.self, "\(name)") { _ = try ImageCodec.decodeColor(bytes) }
            #expect(throws: VisionError.self, "\(name)") { _ = try ImageCodec.decodeGray(bytes) }
        }
    }

    @Test func jpegQualityOutsideItsRangeThrows() {
        #expect(throws: VisionError.self) { try ImageCodec.encode(Self.gray, as: .jpeg(quality: 101)) }
        #expect(throws: VisionError.self) { try ImageCodec.encode(Self.color, as: .jpeg(quality: -1)) }
    }

    /// Rec. 601 luma of a color, for comparing brightness.
    static func luma(_ c: (red: UInt8, green: UInt8, blue: UInt8)) -> Double {
        0.299 * Double(c.red) + 0.587 * Double(c.green) + 0.114 * Double(c.blue)
    }

    @Test func colorMapsOfARampGoTheirWay() throws {
        let ramp = GrayImage(width: 256, height: 2, pixels: (0..<512).map { UInt8($0 % 256) })
        for map in [ImageCodec.ColorMap.inferno, .viridis] {
            let colored = try ImageCodec.colorMapped(ramp, map)
            #expect(colored.width == 256 && colored.height == 2)
            let brightness = stride(from: 0, through: 255, by: 15).map { Self.luma(colored[$0, 1]) }
            #expect(zip(brightness, brightness.dropFirst()).allSatisfy { $0 < $1 }, "\(map): \(brightness)")
        }
        let inferno = try ImageCodec.colorMapped(ramp, .inferno)
        #expect(Self.luma(inferno[0, 0]) < 10 && Self.luma(inferno[255, 0]) > 220)
        let jet = try ImageCodec.colorMapped(ramp, .jet)
        let (low, high) = (jet[0, 0], jet[255, 0])
        #expect(low.blue > 100 && low.red == 0, "jet at 0: \(low)")
        #expect(high.red > 100 && high.blue == 0, "jet at 255: \(high)")
    }
}
