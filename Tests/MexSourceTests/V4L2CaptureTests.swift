import Foundation
import Logging
import MexCore
import MexTestSupport
import Testing
@testable import MexSource

private let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

private func capture(_ device: FakeV4L2Device, stall: Double = 5) throws(SourceError) -> V4L2Capture {
    var options = V4L2CaptureOptions()
    options.stallTimeout = stall
    options.maxConsecutiveErrors = 3
    return try V4L2Capture(device: device, options: options, logger: logger)
}

/// Reads frames until the capture ends or throws; returns both.
private func drain(_ capture: V4L2Capture) -> (frames: [Frame], error: SourceError?) {
    var frames: [Frame] = []
    do {
        while let frame = try capture.nextFrame() { frames.append(frame) }
        return (frames, nil)
    } catch {
        return (frames, error)
    }
}

@Suite struct V4L2CaptureTests {
    @Test func prefersGreyThenYUYVOverMJPEG() throws {
        let a = FakeV4L2Device(formats: [.mjpeg, .yuyv, .grey], events: [])
        _ = try capture(a)
        #expect(a.requestedFormat?.pixelFormat == .grey)
        let b = FakeV4L2Device(formats: [.mjpeg, .yuyv], events: [])
        let c = try capture(b)
        #expect(b.requestedFormat?.pixelFormat == .yuyv)
        #expect(b.requestedFormat?.width == 640 && b.requestedFormat?.height == 480)
        // The driver's choice of size wins.
        #expect(c.info.width == 8 && c.info.height == 4)
        #expect(c.info.kind == .v4l2 && c.info.fps == 30 && c.info.format == "YUYV")
    }

    @Test func yuyvFramesBecomeTheirLumaBytes() throws {
        let device = FakeV4L2Device(formats: [.yuyv], events: [.frame(yuyvFrame(base: 10)), .frame(yuyvFrame(base: 50))])
        let cam = try capture(device, stall: 0.3)
        let first = try #require(try cam.nextFrame())
        let second = try #require(try cam.nextFrame())
        #expect(first.image.pixels == expectedLuma(base: 10))
        #expect(second.image.pixels == expectedLuma(base: 50))
        #expect(first.index == 0 && second.index == 1)
        #expect(first.pts == 0 && abs(second.pts - 1.0 / 30) < 1e-9, "pts from the driver's timestamps")
        #expect(first.wallTime != nil)
        #expect(device.queued.count == 4, "every buffer is given back to the driver")
        #expect(device.misuse.isEmpty)
    }

    @Test func greyFramesHonourTheDriversStride() throws {
        // 8 pixels wide, 8 bytes a row: the fake pads nothing; a 4x4 grid checks the rows.
        let bytes = (0..<32).map { UInt8($0 * 3) }
        let device = FakeV4L2Device(formats: [.grey], events: [.frame(bytes)])
        let frame = try #require(try capture(device).nextFrame())
        #expect(frame.image.pixels == bytes)
    }

    @Test func mjpegFramesAreDecoded() throws {
        let device = FakeV4L2Device(formats: [.mjpeg], events: [.frame([UInt8](TestVideos.jpegFrame))])
        let cam = try capture(device)
        let frame = try #require(try cam.nextFrame())
        // The JPEG is 64x48 mid-gray; a real MJPEG camera's JPEG size is what counts.
        #expect(frame.image.width == 64 && frame.image.height == 48)
        #expect(abs(frame.image.mean - 128) < 2)
    }

    @Test func eagainAndTimeoutsAreRetriedSilently() throws {
        let device = FakeV4L2Device(formats: [.yuyv], events: [.fail(EAGAIN), .timeout, .fail(EAGAIN), .frame(yuyvFrame())])
        let cam = try capture(device)
        let frame = try #require(try cam.nextFrame())
        #expect(frame.image.pixels == expectedLuma())
        #expect(cam.statistics.transientErrors == 0)
    }

    @Test func eioAndDamagedBuffersAreCountedAndSkipped() throws {
        let device = FakeV4L2Device(formats: [.yuyv], events: [.fail(EIO), .damaged, .frame(yuyvFrame()), .fail(EIO), .frame(yuyvFrame(base: 7))])
        let cam = try capture(device, stall: 0.3)
        let (frames, error) = drain(cam)
        #expect(frames.count == 2)
        #expect(frames.map(\.index) == [1, 2], "the damaged buffer's frame is missing, and its index with it")
        #expect(cam.statistics.transientErrors == 3)
        #expect(cam.statistics.corruptFrames == 1)
        #expect(error == .stalled("/dev/video9", seconds: 0.3))
        #expect(device.misuse.isEmpty)
    }

    /// Frames the driver skipped (its sequence counter jumps) leave their indices out,
    /// so the pipeline can count them in an event's dropped_frames.
    @Test func driverSequenceGapsShowInTheFrameIndices() throws {
        let device = FakeV4L2Device(formats: [.yuyv], events: [
            .frame(yuyvFrame(), sequence: 10), .frame(yuyvFrame(), sequence: 11), .frame(yuyvFrame(), sequence: 15), .frame(yuyvFrame()),
        ])
        let (frames, _) = drain(try capture(device, stall: 0.3))
        #expect(frames.map(\.index) == [0, 1, 5, 6])
        #expect(device.misuse.isEmpty)
    }

    @Test func persistentEIOEndsTheCapture() throws {
        let device = FakeV4L2Device(formats: [.yuyv], events: [.frame(yuyvFrame()), .fail(EIO), .fail(EIO), .fail(EIO), .frame(yuyvFrame())])
        let (frames, error) = drain(try capture(device))
        #expect(frames.count == 1)
        guard case .deviceError? = error else {
            Issue.record("expected deviceError, got \(String(describing: error))")
            return
        }
    }

    @Test func unplugMidStreamEndsWithDeviceLostAndCleansUp() throws {
        let device = FakeV4L2Device(formats: [.yuyv], events: [.frame(yuyvFrame()), .frame(yuyvFrame()), .frame(yuyvFrame()), .fail(ENODEV)])
        let cam = try capture(device)
        let (frames, error) = drain(cam)
        #expect(frames.count == 3)
        #expect(error == .deviceLost("/dev/video9"))
        #expect(cam.statistics.endReason == .error)
        #expect(!device.streaming && device.released && device.closed)
        #expect(device.misuse.isEmpty)
        #expect(try cam.nextFrame() == nil, "an ended capture stays ended")
    }

    @Test func unplugReachesAnAsyncConsumer() async throws {
        let device = FakeV4L2Device(formats: [.yuyv], events: [.frame(yuyvFrame()), .frame(yuyvFrame()), .fail(ENODEV)])
        let stream = FrameStream(try capture(device), policy: .dropOldest)
        var received = 0
        await #expect(throws: SourceError.deviceLost("/dev/video9")) {
            for try await _ in stream { received += 1 }
        }
        #expect(received == 2)
    }

    @Test func sequenceGapsCountAsDroppedFrames() throws {
        let device = FakeV4L2Device(formats: [.yuyv], events: [.frame(yuyvFrame(), sequence: 1), .frame(yuyvFrame(), sequence: 5)])
        let cam = try capture(device, stall: 0.2)
        _ = drain(cam)
        #expect(cam.statistics.droppedFrames == 3)
    }

    @Test func aCameraThatStopsSendingStalls() throws {
        let device = FakeV4L2Device(formats: [.yuyv], events: [.frame(yuyvFrame())])
        let cam = try capture(device, stall: 0.25)
        let started = Date()
        let (frames, error) = drain(cam)
        #expect(frames.count == 1)
        #expect(error == .stalled("/dev/video9", seconds: 0.25))
        #expect(Date().timeIntervalSince(started) < 2)
    }

    @Test func interruptStopsAWaitingCapture() async throws {
        let device = FakeV4L2Device(formats: [.yuyv], events: [])
        let cam = try capture(device, stall: 30)
        let stream = FrameStream(cam, policy: .dropOldest)
        // From a plain thread: Swift's cooperative pool may be busy with other tests.
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.15) { stream.stop() }
        var received = 0
        for try await _ in stream { received += 1 }
        #expect(received == 0)
        #expect(await stream.finalStatistics().endReason == .stopped)
        #expect(device.closed)
    }

    @Test func openErrorsSayWhatToDo() throws {
        let notCapture = FakeV4L2Device(formats: [.yuyv], events: [])
        notCapture.caps.capabilities = 0
        #expect(throws: SourceError.notACaptureDevice("/dev/video9")) { try capture(notCapture) }
        #expect(notCapture.closed)

        let busy = FakeV4L2Device(formats: [.yuyv], events: [])
        busy.setFormatError = EBUSY
        #expect(throws: SourceError.deviceBusy("/dev/video9")) { try capture(busy) }
        #expect(busy.closed)

        let odd = FakeV4L2Device(formats: [FourCC("RGB3")], events: [])
        #expect(throws: SourceError.unsupportedFormat("/dev/video9", detail: "camera offers RGB3")) { try capture(odd) }

        #expect(throws: SourceError.noDevice("/nonexistent/video0")) { try SystemV4L2Device.open("/nonexistent/video0") }
    }

    @Test func inventoryDescribesFormatsSizesAndRates() throws {
        let device = FakeV4L2Device(formats: [.yuyv, .mjpeg], events: [])
        let report = try V4L2Inventory.describe(device)
        #expect(report.capabilities?.card == "Fake Camera")
        #expect(report.formats.map(\.format.pixelFormat) == [.yuyv, .mjpeg])
        #expect(report.formats[0].sizes.count == 2)
        #expect(report.formats[0].sizes[0].fps == [30, 15])
    }

    @Test func fourCCSpellsItself() {
        #expect(FourCC.yuyv.rawValue == 0x5659_5559)
        #expect(FourCC.mjpeg.description == "MJPG")
    }

    /// Runs only where a camera exists (never on CI machines, which have none).
    @Test(.enabled(if: !SystemV4L2Device.nodes().isEmpty))
    func capturesFromARealCamera() throws {
        let path = SystemV4L2Device.nodes()[0]
        let cam = try V4L2Capture(device: SystemV4L2Device.open(path), logger: logger)
        for _ in 0..<5 { #expect(try cam.nextFrame() != nil) }
        cam.interrupt()
    }
}
