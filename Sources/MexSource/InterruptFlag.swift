import CFFmpeg
import Synchronization

/// A flag another thread raises to make a blocking read return: FFmpeg's interrupt
/// callback polls it during network I/O, and the V4L2 capture checks it between polls.
final class InterruptFlag: Sendable {
    private let raised = Atomic<Bool>(false)

    func raise() { raised.store(true, ordering: .relaxed) }
    var isRaised: Bool { raised.load(ordering: .relaxed) }

    /// An AVIOInterruptCB pointing at this flag. The flag must outlive the
    /// AVFormatContext it is installed in.
    var callback: AVIOInterruptCB {
        AVIOInterruptCB(
            callback: { opaque in
                guard let opaque else { return 0 }
                return Unmanaged<InterruptFlag>.fromOpaque(opaque).takeUnretainedValue().isRaised ? 1 : 0
            },
            opaque: Unmanaged.passUnretained(self).toOpaque())
    }
}
