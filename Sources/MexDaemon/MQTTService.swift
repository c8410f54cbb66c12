import MexMQTT
import ServiceLifecycle

/// Runs the MQTT publisher for the group's life. It shuts down after the sources have
/// drained (it stands before the supervisor in the group), so the events they close
/// at shutdown still reach the broker, and then says `offline` and disconnects.
struct MQTTService: Service {
    var publisher: MQTTPublisher

    func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await publisher.run()
            } onCancel: {
                publisher.stop()
            }
        } onGracefulShutdown: {
            publisher.stop()
        }
    }
}
