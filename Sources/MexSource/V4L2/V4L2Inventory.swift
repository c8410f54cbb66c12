/// What `mexd devices` reports for one device node.
public struct V4L2DeviceReport: Sendable {
    public struct Format: Sendable {
        public var format: V4L2FormatDescription
        public var sizes: [(width: Int, height: Int, fps: [Double])]
        public var stepwise: V4L2FrameSizes?
    }

    public var path: String
    public var capabilities: V4L2Capabilities?
    public var formats: [Format] = []
    /// Why the node could not be queried (busy, permission), if it could not.
    public var problem: String?
}

/// Lists the V4L2 capture devices on this machine.
public enum V4L2Inventory {
    public static func scan(devices: [String] = SystemV4L2Device.nodes()) -> [V4L2DeviceReport] {
        devices.map { path in
            do {
                let device = try SystemV4L2Device.open(path)
                defer { device.close() }
                return try describe(device)
            } catch let error as SourceError {
                return V4L2DeviceReport(path: path, problem: error.description)
            } catch let error as V4L2CallError {
                return V4L2DeviceReport(path: path, problem: V4L2Capture.translate(error, path: path).description)
            } catch {
                return V4L2DeviceReport(path: path, problem: "\(error)")
            }
        }
    }

    /// Capabilities, formats, sizes and rates of one open device. Nodes that are not
    /// capture devices (metadata nodes of UVC cameras) are reported with no formats.
    public static func describe(_ device: any V4L2Device) throws -> V4L2DeviceReport {
        var report = V4L2DeviceReport(path: device.path)
        let caps = try device.capabilities()
        report.capabilities = caps
        guard caps.canCapture else { return report }
        for format in try device.formats() {
            var entry = V4L2DeviceReport.Format(format: format, sizes: [])
            switch device.frameSizes(format.pixelFormat) {
            case .discrete(let sizes):
                entry.sizes = sizes.map { size in
                    (size.width, size.height, device.frameRates(format.pixelFormat, width: size.width, height: size.height))
                }
            case let stepwise:
                entry.stepwise = stepwise
            }
            report.formats.append(entry)
        }
        return report
    }
}
