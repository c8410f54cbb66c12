import Foundation

/// Chromium's DevTools protocol over --remote-debugging-pipe: JSON objects, each ended by
/// a NUL byte. A command carries an id that its reply repeats; every other message is
/// an event, kept in arrival order.
final class DevToolsConnection {
    typealias Object = [String: Any]

    private let chromium: ChromiumProcess
    private var unread: [UInt8] = []
    private var lastID = 0
    /// Every event received so far: its method and parameters.
    private(set) var events: [(method: String, params: Object)] = []

    init(_ chromium: ChromiumProcess) {
        self.chromium = chromium
    }

    /// For error messages: Chromium's last lines on stderr.
    var stderrTail: String { chromium.stderrTail }

    /// Sends a command and returns its reply's result; events that arrive meanwhile are kept.
    /// `session`: the page session a page's command goes to (nil: the browser).
    @discardableResult
    func call(_ method: String, _ params: Object = [:], session: String? = nil) throws(ChromiumError) -> Object {
        let id = try send(method, params, session: session)
        while true {
            let message = try nextMessage()
            guard message["id"] as? Int == id else { continue }
            if let error = message["error"] as? Object {
                throw .failed("\(method): \(error["message"] ?? error)", stderrTail: chromium.stderrTail)
            }
            return message["result"] as? Object ?? [:]
        }
    }

    /// Sends a command without waiting for its reply; returns its id.
    @discardableResult
    func send(_ method: String, _ params: Object = [:], session: String? = nil) throws(ChromiumError) -> Int {
        lastID += 1
        var message: Object = ["id": lastID, "method": method, "params": params]
        if let session { message["sessionId"] = session }
        guard let json = try? JSONSerialization.data(withJSONObject: message) else {
            throw .failed("\(method): parameters are not JSON", stderrTail: "")
        }
        try chromium.send(Array(json) + [0])
        return lastID
    }

    /// The parameters of the first event named `method` at or after `events[start]`,
    /// reading messages until it arrives.
    func waitForEvent(_ method: String, since start: Int) throws(ChromiumError) -> Object {
        var index = start
        while true {
            while index < events.count {
                if events[index].method == method { return events[index].params }
                index += 1
            }
            _ = try nextMessage()
        }
    }

    /// Reads the next message; an event is also appended to `events`.
    private func nextMessage() throws(ChromiumError) -> Object {
        while !unread.contains(0) {
            let chunk = try chromium.receive()
            guard !chunk.isEmpty else {
                throw .failed("closed the DevTools pipe (\(chromium.exitNote()))", stderrTail: chromium.stderrTail)
            }
            unread += chunk
        }
        let end = unread.firstIndex(of: 0)!
        let bytes = Data(unread[..<end])
        unread.removeFirst(end + 1)
        guard let message = (try? JSONSerialization.jsonObject(with: bytes)) as? Object else {
            throw .failed("not a DevTools message: \(String(decoding: bytes.prefix(200), as: UTF8.self))",
                          stderrTail: chromium.stderrTail)
        }
        if let method = message["method"] as? String {
            events.append((method, message["params"] as? Object ?? [:]))
        }
        return message
    }
}
