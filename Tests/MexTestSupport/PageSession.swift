import Foundation

/// One page (a DevTools target) of a headless Chromium, driven through its session.
struct PageSession {
    typealias Object = DevToolsConnection.Object

    let devTools: DevToolsConnection
    let id: String

    /// A new blank page with the Page, Runtime and Log domains on, so that whatever it
    /// later writes to its console arrives as events.
    static func open(in devTools: DevToolsConnection) throws(ChromiumError) -> PageSession {
        let target = try devTools.call("Target.createTarget", ["url": "about:blank"])["targetId"] as? String ?? ""
        let attached = try devTools.call("Target.attachToTarget", ["targetId": target, "flatten": true])
        guard let id = attached["sessionId"] as? String else {
            throw .failed("Target.attachToTarget gave no session", stderrTail: devTools.stderrTail)
        }
        let page = PageSession(devTools: devTools, id: id)
        for domain in ["Page", "Runtime", "Log"] { try page.call("\(domain).enable") }
        return page
    }

    @discardableResult
    func call(_ method: String, _ params: Object = [:]) throws(ChromiumError) -> Object {
        try devTools.call(method, params, session: id)
    }

    /// Navigates to `file` and waits for its load event (the document and its pictures are in).
    func load(_ file: URL) throws(ChromiumError) {
        let start = devTools.events.count
        let navigation = try call("Page.navigate", ["url": file.absoluteURL.absoluteString])
        if let reason = navigation["errorText"] as? String {
            throw .failed("cannot load \(file.path): \(reason)", stderrTail: devTools.stderrTail)
        }
        _ = try devTools.waitForEvent("Page.loadEventFired", since: start)
    }

    /// Runs the page's timers for `time` of virtual time, as --virtual-time-budget does;
    /// the clock waits while a fetch is pending.
    func settle(for time: Duration) throws(ChromiumError) {
        let start = devTools.events.count
        try call("Emulation.setVirtualTimePolicy",
                 ["policy": "pauseIfNetworkFetchesPending", "budget": time / .milliseconds(1)])
        _ = try devTools.waitForEvent("Emulation.virtualTimeBudgetExpired", since: start)
    }

    /// The document as HTML, doctype included.
    func outerHTML() throws(ChromiumError) -> String {
        let root = try call("DOM.getDocument", ["depth": 0])["root"] as? Object
        guard let node = root?["nodeId"] as? Int,
              let html = try call("DOM.getOuterHTML", ["nodeId": node])["outerHTML"] as? String else {
            throw .failed("DOM.getOuterHTML gave no document", stderrTail: devTools.stderrTail)
        }
        return html
    }
}
