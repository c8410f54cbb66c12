import Testing
@testable import MexMQTT

@Suite struct TopicTests {
    @Test func topicsHangUnderThePrefix() {
        let topics = MQTTTopics(prefix: "mexd/host1")
        #expect(topics.event("cam0") == "mexd/host1/cam0/event")
        #expect(topics.state("scan-3") == "mexd/host1/scan-3/state")
        #expect(topics.status == "mexd/host1/status")
        #expect(topics.stats == "mexd/host1/stats")
        #expect(MQTTTopics.defaultPrefix(hostname: "lab") == "mexd/lab")
        #expect(MQTTTopics.defaultClientID(hostname: "lab") == "mexd-lab")
    }
}
