import Foundation
import Logging

/// How a source's `controls` (mexd.toml) map onto the controls a camera offers.
///
/// A control is found by `V4L2Control.key`. Integer values out of range are clamped
/// (and snapped to the step); values a boolean or menu control cannot take, read-only
/// controls, kinds VIDIOC_S_CTRL cannot set and unknown names are refused. Each of
/// these is a warning: a camera that lacks a control still streams.
public struct V4L2ControlPlan: Sendable, Equatable {
    public struct Setting: Sendable, Equatable {
        public var control: V4L2Control
        public var value: Int
    }

    /// What to set, in the driver's order, which puts automatic modes (auto_exposure)
    /// before the values they lock (exposure_time_absolute).
    public private(set) var settings: [Setting] = []
    public private(set) var warnings: [String] = []

    public init(requested: [String: Int], available: [V4L2Control]) {
        var chosen: [(index: Int, setting: Setting)] = []
        for (name, wanted) in requested.sorted(by: { $0.key < $1.key }) {
            let key = V4L2Control.key(for: name)
            guard let index = available.firstIndex(where: { $0.key == key }) else {
                let names = available.filter { !$0.readOnly }.map(\.key)
                warnings.append("no control named \(key); the camera has "
                                + (names.isEmpty ? "none" : names.joined(separator: ", ")))
                continue
            }
            let control = available[index]
            if let value = check(control, wanted) {
                chosen.append((index, Setting(control: control, value: value)))
            }
        }
        settings = chosen.sorted { $0.index < $1.index }.map(\.setting)
    }

    /// The value to set, or nil (with a warning) when there is none.
    private mutating func check(_ control: V4L2Control, _ wanted: Int) -> Int? {
        let range = "\(control.minimum)...\(control.maximum)"
        if control.readOnly {
            warnings.append("\(control.key) is read-only")
            return nil
        }
        switch control.kind {
        case .integer:
            let step = max(1, control.step)
            let clamped = min(max(wanted, control.minimum), control.maximum)
            let snapped = control.minimum + Int((Double(clamped - control.minimum) / Double(step)).rounded()) * step
            let value = snapped > control.maximum ? snapped - step : snapped
            if value != wanted {
                let why = wanted < control.minimum || wanted > control.maximum ? "outside \(range)" : "not a multiple of the step \(step) from \(control.minimum)"
                warnings.append("\(control.key) = \(wanted) is \(why): set to \(value)")
            }
            return value
        case .boolean:
            guard wanted == 0 || wanted == 1 else {
                warnings.append("\(control.key) is a switch: \(wanted) is neither 0 nor 1")
                return nil
            }
            return wanted
        case .menu, .integerMenu:
            guard (control.minimum...control.maximum).contains(wanted) else {
                warnings.append("\(control.key) = \(wanted) is not one of its menu entries \(range)")
                return nil
            }
            return wanted
        case .button:
            return wanted
        case .other(let type):
            warnings.append("\(control.key) has a type (\(type)) mexd cannot set")
            return nil
        }
    }

    /// Sets the planned controls, logging each warning and each value the driver
    /// refuses. Returns what was set, by key.
    @discardableResult
    public func apply(to device: any V4L2Device, logger: Logger) -> (applied: [String: Int], warnings: [String]) {
        var warnings = self.warnings
        var applied: [String: Int] = [:]
        for setting in settings {
            do {
                try device.setControl(id: setting.control.id, value: Int32(setting.value))
                applied[setting.control.key] = setting.value
            } catch {
                let hint = error.errno == EBUSY || error.errno == EACCES || error.errno == EPERM
                    ? " (is an automatic mode still on?)" : ""
                warnings.append("\(setting.control.key) = \(setting.value) refused by the driver: \(String(cString: strerror(error.errno)))\(hint)")
            }
        }
        for warning in warnings { logger.warning("\(device.path): controls: \(warning)") }
        for (key, value) in applied.sorted(by: { $0.key < $1.key }) { logger.debug("\(device.path): \(key) = \(value)") }
        return (applied, warnings)
    }
}
