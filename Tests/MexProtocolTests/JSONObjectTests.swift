import Foundation
import MexCore
import Testing
@testable import MexProtocol

@Suite struct JSONObjectTests {
    @Test func keepsInsertionOrderWithClassFirst() {
        var o = JSONObject(class: "EOF")
        o.set("source", "cam0")
        o.set("frames", 3)
        o.set("ok", true)
        #expect(o.line == #"{"class":"EOF","source":"cam0","frames":3,"ok":true}"#)
    }

    @Test func absentValuesAreLeftOutNeverNull() {
        var o = JSONObject(class: "X")
        o.set("reason", nil as String?)
        o.set("fps", nil as Double?)
        o.set("nan", Double.nan)
        #expect(o.line == #"{"class":"X"}"#)
    }

    @Test func escapesStrings() throws {
        var o = JSONObject()
        let tricky = "a\"b\\c\nd\te\u{01}é/"
        o.set("s", tricky)
        let parsed = try JSONSerialization.jsonObject(with: Data(o.line.utf8)) as? [String: String]
        #expect(parsed?["s"] == tricky)
    }

    @Test func numbersAreShortAndRounded() {
        #expect(JSONObject.formatNumber(10, decimals: 3) == "10")
        #expect(JSONObject.formatNumber(0.1 + 0.2, decimals: 6) == "0.3")
        #expect(JSONObject.formatNumber(1.0 / 30, decimals: 6) == "0.033333")
        #expect(JSONObject.formatNumber(-0.0000001, decimals: 3) == "0")
    }

    @Test func nestedObjectsAndArrays() {
        var inner = JSONObject()
        inner.set("frame", 12)
        var o = JSONObject(class: "EVENT")
        o.set("apex", inner)
        o.set("box", .array([.int(1), .int(2)]))
        #expect(o.line == #"{"class":"EVENT","apex":{"frame":12},"box":[1,2]}"#)
    }

    @Test func eofRecordCarriesTotals() {
        var stats = SourceStatistics()
        stats.frames = 300
        stats.corruptPackets = 2
        stats.endReason = .truncated
        stats.warnings = ["cut"]
        let o = Records.eof(source: "a.mp4", statistics: stats, duration: 10, elapsed: 0.5, time: Date(timeIntervalSince1970: 0))
        #expect(o.line == #"{"class":"EOF","source":"a.mp4","end":"truncated","frames":300,"duration_s":10,"elapsed_s":0.5,"decode_fps":600,"corrupt_packets":2,"corrupt_frames":0,"dropped_frames":0,"warnings":["cut"],"time":"1970-01-01T00:00:00.000Z"}"#)
    }

    @Test func sourceRecordDescribesTheStream() {
        let info = StreamInfo(kind: .file, location: "a.mp4", width: 640, height: 480, fps: 29.97, format: "h264", duration: 12.5)
        let o = Records.source(name: "a.mp4", state: "online", info: info, time: Date(timeIntervalSince1970: 1.5))
        #expect(o.line == #"{"class":"SOURCE","source":"a.mp4","state":"online","kind":"file","location":"a.mp4","width":640,"height":480,"fps":29.97,"format":"h264","duration_s":12.5,"time":"1970-01-01T00:00:01.500Z"}"#)
    }

    @Test func outputWritesLinesToAFileDescriptor() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let output = JSONLinesOutput(fd: fds[1])
        try output.write(JSONObject(class: "A"))
        try output.write(JSONObject(class: "B"), flush: true)
        close(fds[1])
        let data = FileHandle(fileDescriptor: fds[0], closeOnDealloc: true).readDataToEndOfFile()
        #expect(String(decoding: data, as: UTF8.self) == "{\"class\":\"A\"}\n{\"class\":\"B\"}\n")
    }
}
