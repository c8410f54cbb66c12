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
}
