import Testing
@testable import MexProtocol

@Suite struct ClientRequestTests {
    @Test func watchInBothSpellings() throws {
        let json = try ClientRequest.parse(#"{"class":"WATCH","enable":true,"frames":false,"stats":5,"sources":["cam0"]}"#).get()
        let gpsd = try ClientRequest.parse(#"?WATCH={"enable":true,"frames":false,"stats":5,"sources":["cam0"]};"#).get()
        let expected = ClientRequest.watch(.init(enable: true, events: nil, frames: false, stats: 5, sources: ["cam0"]))
        #expect(json == expected)
        #expect(gpsd == expected)
        #expect(try ClientRequest.parse("?VERSION;").get() == .version)
        #expect(try ClientRequest.parse(#"{"class":"WATCH","stats":true}"#).get() == .watch(.init(stats: 10)))
    }

    @Test func pollAndScan() throws {
        #expect(try ClientRequest.parse(#"{"class":"POLL","since":41}"#).get() == .poll(PollRequest(since: 41, count: nil, sources: nil)))
        #expect(try ClientRequest.parse(#"{"class":"POLL","count":3,"sources":["a"]}"#).get() == .poll(PollRequest(since: nil, count: 3, sources: ["a"])))
        #expect(try ClientRequest.parse(#"{"class":"SCAN","path":"/v.mp4"}"#).get() == .scan(path: "/v.mp4"))
        #expect(try ClientRequest.parse("   ").get() == nil)
    }

    @Test(arguments: [
        ("not json", "not valid JSON"),
        ("[1,2]", "a request is a JSON object"),
        (#"{"enable":true}"#, "needs a \"class\""),
        (#"{"class":"FLY"}"#, "unknown request class"),
        (#"{"class":"WATCH","enable":1}"#, "\"enable\" must be true or false"),
        (#"{"class":"WATCH","frame":true}"#, "unknown field \"frame\""),
        (#"{"class":"WATCH","sources":"cam0"}"#, "array of strings"),
        (#"{"class":"POLL","since":-1}"#, "\"since\" must be a number from 0 to 9007199254740992"),
        (#"{"class":"POLL","count":1e300}"#, "\"count\" must be a number from 0 to 9007199254740992"),
        (#"{"class":"WATCH","stats":1e10}"#, "\"stats\" must be a number from 0 to 86400"),
        ("?", "a ?-request is ?CLASS;"),
        ("?;", "a ?-request is ?CLASS;"),
        ("?=", "a ?-request is ?CLASS;"),
        ("?={};", "a ?-request is ?CLASS;"),
        (#"{"class":"WATCH","sources":[[[[[[[[["x"]]]]]]]]]}"#, "nested deeper than 8 levels"),
        (#"{"class":"SCAN","path":"/a\u0000b"}"#, "without NUL"),
        (#"{"class":"POLL","since":1.5}"#, "whole number"),
        (#"{"class":"SCAN"}"#, "SCAN needs \"path\""),
    ])
    func badRequestsSayWhatIsWrong(line: String, message: String) {
        guard case .failure(let failure) = ClientRequest.parse(line) else {
            Issue.record("\(line) parsed")
            return
        }
        #expect(failure.message.contains(message), "\(failure.message)")
    }
}
