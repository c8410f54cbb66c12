import ArgumentParser
import Foundation
import MexProtocol
import MexSource

/// `mexd devices`: the V4L2 cameras present, with their formats, sizes and rates.
struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List V4L2 cameras with their formats, frame sizes and rates.")

    @Flag(help: "Print one JSON object per device instead of text.")
    var json = false

    func run() throws {
        let nodes = SystemV4L2Device.nodes()
        if nodes.isEmpty {
            if !json { print("No V4L2 cameras found: /dev has no video* device nodes.") }
            return
        }
        for report in V4L2Inventory.scan(devices: nodes) {
            if json {
                print(Self.record(report).line)
            } else {
                print(Self.text(report), terminator: "")
            }
        }
    }

    static func text(_ report: V4L2DeviceReport) -> String {
        var out = "\(report.path)"
        if let problem = report.problem { return out + ": \(problem)\n" }
        guard let caps = report.capabilities else { return out + "\n" }
        out += ": \(caps.card) (\(caps.driver), \(caps.busInfo))\n"
        if !caps.canCapture { return out + "    not a capture device\n" }
        for entry in report.formats {
            let emulated = entry.format.emulated ? ", converted by libv4l" : ""
            out += "    \(entry.format.pixelFormat) (\(entry.format.description)\(emulated))\n"
            for size in entry.sizes {
                let rates = size.fps.map { JSONObject.formatNumber($0, decimals: 2) }.joined(separator: ", ")
                out += "        \(size.width)x\(size.height)" + (rates.isEmpty ? "" : " @ \(rates) fps") + "\n"
            }
            if case let .stepwise(minW, maxW, minH, maxH)? = entry.stepwise {
                out += "        \(minW)x\(minH) to \(maxW)x\(maxH)\n"
            }
        }
        return out
    }

    static func record(_ report: V4L2DeviceReport) -> JSONObject {
        var o = JSONObject(class: .device)
        o.set("path", report.path)
        o.set("error", report.problem)
        if let caps = report.capabilities {
            o.set("card", caps.card)
            o.set("driver", caps.driver)
            o.set("bus", caps.busInfo)
            o.set("capture", caps.canCapture)
        }
        let formats: [JSONObject.Value] = report.formats.map { entry in
            var f = JSONObject()
            f.set("format", entry.format.pixelFormat.description)
            f.set("description", entry.format.description)
            f.set("emulated", entry.format.emulated)
            f.set("sizes", .array(entry.sizes.map { size in
                var s = JSONObject()
                s.set("width", size.width)
                s.set("height", size.height)
                s.set("fps", JSONObject.Value.array(size.fps.map { .double($0, decimals: 3) }))
                return .object(s)
            }))
            return .object(f)
        }
        if report.capabilities?.canCapture == true { o.set("formats", .array(formats)) }
        return o
    }
}
