import Foundation
import Logging
import Testing
@testable import MexSource

private let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

/// Controls as a UVC webcam reports them, in its order.
private let webcam: [V4L2Control] = [
    V4L2Control(id: 0x0098_0900, name: "Brightness", kind: .integer, minimum: -64, maximum: 64, defaultValue: 0),
    V4L2Control(id: 0x0098_0901, name: "Contrast", kind: .integer, minimum: 0, maximum: 100, step: 5, defaultValue: 50),
    V4L2Control(id: 0x0098_090C, name: "White Balance, Automatic", kind: .boolean, minimum: 0, maximum: 1, defaultValue: 1),
    V4L2Control(id: 0x0098_0918, name: "Power Line Frequency", kind: .menu, minimum: 0, maximum: 2, defaultValue: 1),
    V4L2Control(id: 0x009A_0901, name: "Auto Exposure", kind: .menu, minimum: 0, maximum: 3, defaultValue: 3),
    V4L2Control(id: 0x009A_0902, name: "Exposure Time, Absolute", kind: .integer, minimum: 3, maximum: 2047,
                defaultValue: 250, inactive: true),
    V4L2Control(id: 0x009A_0903, name: "Sensor Temperature", kind: .integer, minimum: 0, maximum: 100, readOnly: true),
    V4L2Control(id: 0x009A_0904, name: "Pixel Rate", kind: .other(5), minimum: 0, maximum: 1 << 30),
]

@Suite struct V4L2ControlTests {
    @Test func namesFollowV4l2Ctl() {
        #expect(V4L2Control.key(for: "Exposure Time, Absolute") == "exposure_time_absolute")
        #expect(V4L2Control.key(for: "White Balance Temperature, Auto") == "white_balance_temperature_auto")
        #expect(V4L2Control.key(for: "  Gain (dB) ") == "gain_db")
        #expect(V4L2Control.key(for: "H.264 Profile") == "h_264_profile")
    }

    @Test func planSetsInTheDriversOrderAndClampsIntegers() {
        let plan = V4L2ControlPlan(requested: ["exposure_time_absolute": 5000, "auto_exposure": 1, "brightness": -10,
                                               "contrast": 42, "White Balance, Automatic": 0],
                                   available: webcam)
        #expect(plan.settings.map(\.control.key) == ["brightness", "contrast", "white_balance_automatic", "auto_exposure",
                                                     "exposure_time_absolute"])
        #expect(plan.settings.map(\.value) == [-10, 40, 0, 1, 2047])
        #expect(plan.warnings == [
            "contrast = 42 is not a multiple of the step 5 from 0: set to 40",
            "exposure_time_absolute = 5000 is outside 3...2047: set to 2047",
        ])
    }

    @Test func planRefusesWhatCannotBeSet() {
        let plan = V4L2ControlPlan(requested: ["zoom_absolute": 2, "sensor_temperature": 1, "pixel_rate": 1,
                                               "white_balance_automatic": 2, "power_line_frequency": 7],
                                   available: webcam)
        #expect(plan.settings.isEmpty)
        #expect(plan.warnings == [
            "pixel_rate has a type (5) mexd cannot set",
            "power_line_frequency = 7 is not one of its menu entries 0...2",
            "sensor_temperature is read-only",
            "white_balance_automatic is a switch: 2 is neither 0 nor 1",
            "no control named zoom_absolute; the camera has brightness, contrast, white_balance_automatic, "
                + "power_line_frequency, auto_exposure, exposure_time_absolute, pixel_rate",
        ])
    }

    @Test func captureSetsControlsAfterTheFormatAndBeforeBuffers() throws {
        let device = FakeV4L2Device(formats: [.yuyv], events: [.frame(yuyvFrame())])
        device.offeredControls = webcam
        device.refusedControls = [0x009A_0902: EACCES]
        var options = V4L2CaptureOptions()
        options.controls = ["auto_exposure": 1, "exposure_time_absolute": 100, "brightness": 99, "focus_auto": 0]
        let cam = try V4L2Capture(device: device, options: options, logger: logger)
        #expect(device.configurationCalls == ["S_FMT", "S_CTRL", "S_CTRL", "S_CTRL", "REQBUFS"])
        #expect(device.setControls.map(\.id) == [0x0098_0900, 0x009A_0901])
        #expect(device.setControls.map(\.value) == [64, 1])
        #expect(cam.appliedControls == ["brightness": 64, "auto_exposure": 1])
        #expect(cam.controlWarnings.count == 3)
        #expect(cam.controlWarnings[0] == "brightness = 99 is outside -64...64: set to 64")
        #expect(cam.controlWarnings[1].hasPrefix("no control named focus_auto; the camera has brightness"))
        #expect(cam.controlWarnings[2] == "exposure_time_absolute = 100 refused by the driver: Permission denied (is an automatic mode still on?)")
        // A camera that refuses controls still streams.
        #expect(try cam.nextFrame()?.image.pixels == expectedLuma())
        #expect(device.misuse.isEmpty)
    }

    @Test func noControlsAsksNothing() throws {
        let device = FakeV4L2Device(formats: [.yuyv], events: [])
        device.offeredControls = webcam
        _ = try V4L2Capture(device: device, options: V4L2CaptureOptions(), logger: logger)
        #expect(device.configurationCalls == ["S_FMT", "REQBUFS"])
    }

    @Test(.enabled(if: !SystemV4L2Device.nodes().isEmpty))
    func realCameraListsItsControls() throws {
        let device = try SystemV4L2Device.open(SystemV4L2Device.nodes()[0])
        defer { device.close() }
        let controls = device.controls()
        #expect(Set(controls.map(\.id)).count == controls.count, "each control once")
    }
}
