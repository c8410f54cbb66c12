import Foundation
import MexCore
import Testing
@testable import MexProtocol

@Suite struct JSONObjectTests {
    @Test func keepsInsertionOrderWithClassFirst() {
        var o = JSONObject(class: .eof)
        o.set("source", "cam0")
        o.set("frames", 3)
        o.set("ok", true)
        #expect(o.line == #"{"class":"EOF","source":"cam0","frames":3,"ok":true}"#)
    }

    @Test func absentValuesAreLeftOutNeverNull() {
        var o = JSONObject(class: .error)
        o.set("reason", nil as String?)
        o.set("fps", nil as Double?)
        o.set("nan", Double.nan)
        #expect(o.line == #"{"class":"ERROR"}"#)
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
        var o = JSONObject(class: .event)
        o.set("apex", inner)
        o.set("box", JSONObject.Value.array([.int(1), .int(2)]))
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
        let o = Records.source(name: "a.mp4", state: .online, info: info, time: Date(timeIntervalSince1970: 1.5))
        #expect(o.line == #"{"class":"SOURCE","source":"a.mp4","state":"online","kind":"file","location":"a.mp4","width":640,"height":480,"fps":29.97,"format":"h264","duration_s":12.5,"time":"1970-01-01T00:00:01.500Z"}"#)
    }

    @Test func outputWritesLinesToAFileDescriptor() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let output = JSONLinesOutput(fd: fds[1])
        try output.write(JSONObject(class: .eof))
        try output.write(JSONObject(class: .shutdown), flush: true)
        close(fds[1])
        let data = FileHandle(fileDescriptor: fds[0], closeOnDealloc: true).readDataToEndOfFile()
        #expect(String(decoding: data, as: UTF8.self) == "{\"class\":\"EOF\"}\n{\"class\":\"SHUTDOWN\"}\n")
    }

    @Test func recordClassesAreReadBackFromLinesAndObjects() {
        #expect(RecordClass.of(line: #"{"class":"EVENT","seq":1}"#) == .event)
        #expect(RecordClass.of(line: #"{"class":"NOPE"}"#) == nil)
        #expect(RecordClass.of(line: #"{"seq":1,"class":"EVENT"}"#) == nil, "class comes first in mexd's lines")
        #expect(RecordClass.of(["class": "STATS"]) == .stats)
        #expect(RecordClass.allCases.filter(\.isLossy) == [.frame, .stats])
    }

    @Test func serverRecordsKeepTheirFieldOrder() {
        #expect(Records.poll(count: 2, since: 5, more: false).line == #"{"class":"POLL","count":2,"since":5,"more":false}"#)
        #expect(Records.poll(count: 0, since: nil, more: nil).line == #"{"class":"POLL","count":0}"#)
        #expect(Records.dropped([.stats: 1, .frame: 3]).line
                == #"{"class":"DROPPED","frame":3,"stats":1,"reason":"queue full: the client reads slower than records arrive"}"#)
        #expect(Records.error("no", request: .scan).line == #"{"class":"ERROR","message":"no","request":"SCAN"}"#)
        #expect(Records.scan(path: "/v.mp4", source: "scan-1", state: .queued, position: 0).line
                == #"{"class":"SCAN","path":"/v.mp4","source":"scan-1","state":"queued","position":0}"#)
        let retry = Records.source(name: "cam", state: .reconnecting, info: nil, reason: "gone", retry: (0.5, 2), time: Date(timeIntervalSince1970: 0))
        #expect(retry.line == #"{"class":"SOURCE","source":"cam","state":"reconnecting","reason":"gone","time":"1970-01-01T00:00:00.000Z","retry_in_s":0.5,"attempt":2}"#)
    }

    @Test func requestsRenderAsClientsSendThem() throws {
        let watch = ClientRequest.watch(.init(enable: true, frames: false, stats: 5, sources: ["cam0"]))
        #expect(watch.line == #"{"class":"WATCH","enable":true,"frames":false,"stats":5,"sources":["cam0"]}"#)
        #expect(try ClientRequest.parse(watch.line).get() == watch)
        let poll = ClientRequest.poll(PollRequest(since: 41, count: 3))
        #expect(try ClientRequest.parse(poll.line).get() == poll)
    }
}
