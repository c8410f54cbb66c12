import MexProtocol

/// Serialises record output from the frame loop and the event workers onto one stream.
actor RecordWriter {
    private let output = JSONLinesOutput()
    private var failure: JSONLinesOutput.WriteError?

    func write(_ record: JSONObject, flush: Bool = false) {
        guard failure == nil else { return }
        do { try output.write(record, flush: flush) } catch { failure = error }
    }

    /// Flushes and reports the first write error, if any.
    func finish() -> JSONLinesOutput.WriteError? {
        if failure == nil {
            do { try output.flush() } catch { failure = error }
        }
        return failure
    }
}
