import Testing
@testable import MexCore

@Suite struct CoreTypesTests {
    @Test func sourceKindFromLocation() {
        #expect(SourceKind.of(location: "/dev/video0") == .v4l2)
        #expect(SourceKind.of(location: "/dev/v4l/by-id/usb-cam-video-index0") == .v4l2)
        #expect(SourceKind.of(location: "RTSP://cam.local/stream") == .rtsp)
        #expect(SourceKind.of(location: "clips/a.mp4") == .file)
        #expect(SourceKind.of(location: "img%03d.png") == .file)
    }

    @Test func grayImageCopiesStridedRows() {
        let plane: [UInt8] = [1, 2, 3, 99, 4, 5, 6, 99]
        let image = plane.withUnsafeBytes { GrayImage(width: 3, height: 2, plane: $0.baseAddress!, stride: 4) }
        #expect(image.pixels == [1, 2, 3, 4, 5, 6])
        #expect(image[2, 1] == 6)
        #expect(image.mean == 3.5)
    }

    @Test func grayImageScaledToAMean() {
        let image = GrayImage(width: 4, height: 1, pixels: [40, 80, 120, 160])
        let brighter = image.scaled(toMean: 110)
        #expect(brighter.pixels == [44, 88, 132, 176])
        #expect(brighter.mean == 110)
        // Clipped at white; unchanged when the gain is within 0.1 % of 1, or the image black.
        #expect(GrayImage(width: 2, height: 1, pixels: [100, 250]).scaled(toMean: 350).pixels == [200, 255])
        #expect(image.scaled(toMean: 100.05) == image)
        let black = GrayImage(width: 2, height: 1, pixels: [0, 0])
        #expect(black.scaled(toMean: 50) == black)
    }
}
