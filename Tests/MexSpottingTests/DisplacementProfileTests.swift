import Foundation
import Testing
@testable import MexSpotting

@Suite struct DisplacementProfileTests {
    /// A raised-cosine expression from frame 110 (last still) to 120 (apex) and back by
    /// 130, over a noise floor, measured from a reference at frame 100; the face ends
    /// up `drift` away from the reference.
    func profile(drift: Double) -> DisplacementProfile {
        var generator = SplitMix(seed: 7)
        var p = DisplacementProfile()
        for f in 101...145 {
            var shape = 0.0
            if f > 110 && f <= 120 { shape = 0.5 * (1 - cos(.pi * Double(f - 110) / 10)) }
            if f > 120 && f < 130 { shape = 0.5 * (1 + cos(.pi * Double(f - 120) / 10)) }
            let wander = f >= 120 ? drift : 0
            p.append(frame: f, displacement: 0.04 + 0.01 * generator.unit() + wander + 1.0 * shape)
        }
        return p
    }

    @Test func boundariesFollowTheProfileNotTheReference() throws {
        let b = try #require(profile(drift: 0).boundaries(reference: 100, fraction: 0.1))
        #expect(b.apex == 120)
        // Within a frame or two of the last still and first still frames.
        #expect((110...112).contains(b.onset), "\(b)")
        #expect((128...130).contains(b.offset ?? -1), "\(b)")
    }

    @Test func aFaceThatDriftedStillComesBack() throws {
        let p = profile(drift: 0.2)
        let b = try #require(p.boundaries(reference: 100, fraction: 0.1))
        #expect((128...130).contains(b.offset ?? -1), "\(b)")
        // Half-way back from the floor counts as returned; at the apex it does not.
        #expect(p.hasReturned(0.3, fraction: 0.5))
        #expect(!p.hasReturned(1.0, fraction: 0.5))
    }
}
