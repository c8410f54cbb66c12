import MexProtocol
import NIOCore
import Testing
@testable import MexServer

@Suite struct LineSplitterTests {
    @Test func splitsAcrossReadsAndStripsCR() {
        var splitter = LineSplitter(limit: 64)
        #expect(splitter.feed(ByteBuffer(string: "{\"class\":")) == [])
        #expect(splitter.feed(ByteBuffer(string: "\"VERSION\"}\r\n{}\n")) == [.line(#"{"class":"VERSION"}"#), .line("{}")])
    }

    @Test func anOverlongLineIsReportedOnceAndSkippedToItsNewline() {
        var splitter = LineSplitter(limit: 8)
        #expect(splitter.feed(ByteBuffer(string: "0123456789")) == [.tooLong])
        #expect(splitter.feed(ByteBuffer(string: String(repeating: "x", count: 1000))) == [])
        #expect(splitter.feed(ByteBuffer(string: "tail\nok\n")) == [.line("ok")])
        #expect(splitter.feed(ByteBuffer(string: "12345678\n")) == [.line("12345678")], "exactly the limit is fine")
    }
}

@Suite struct WatchOptionsTests {
    @Test func watchOptionsFilterByClassAndSource() {
        var watch = WatchOptions()
        let event = OutgoingRecord(name: .event, source: "cam0", line: "{}")
        #expect(!watch.wants(event), "nothing before WATCH")
        watch.apply(.init(enable: true, sources: ["cam1"]))
        #expect(!watch.wants(event))
        watch.apply(.init(sources: []))
        #expect(watch.wants(event))
        #expect(!watch.wants(OutgoingRecord(name: .frame, source: "cam0", line: "{}")))
        #expect(!watch.wants(OutgoingRecord(name: .stats, source: nil, line: "{}")))
        #expect(watch.wants(OutgoingRecord(name: .source, source: "cam0", line: "{}")))
        #expect(OutgoingRecord(name: .frame, source: nil, line: "{}").isLossy)
        #expect(!event.isLossy)
    }
}
