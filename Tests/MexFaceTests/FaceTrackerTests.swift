import Foundation
import Logging
import MexCore
import MexSource
import MexTestSupport
import MexVision
import Testing
@testable import MexFace

private func frames(_ url: URL) throws -> [Frame] {
    let reader = try FFmpegVideoReader(location: url.path, logger: Logger(label: "t") { _ in SwiftLogNoOpLogHandler() })
    var result: [Frame] = []
    while let frame = try reader.nextFrame() { result.append(frame) }
    return result
}

@Suite struct FaceTrackerTests {
    @Test func detectsTheAstronautsFace() throws {
        let first = try #require(try frames(TestVideos.astronautDrift).first)
        let faces = try HaarFaceDetector().detect(in: first.image, minSize: 48)
        #expect(faces.count == 1)
        let face = try #require(faces.first)
        #expect(abs(face.box.x - TestVideos.astronautFaceX(0)) <= 4, "\(face.box)")
        #expect(abs(face.box.width - 92) <= 8)
        #expect(face.confidence > 0.5)
    }

    @Test func aDriftingFaceKeepsOneTrackAndAlignedCrops() throws {
        let video = try frames(TestVideos.astronautDrift)
        let tracker = FaceTracker(detector: try HaarFaceDetector(), fps: 30)
        var ids = Set<Int>()
        var crops: [GrayImage] = []
        var worstOffset = 0.0
        for frame in video {
            let faces = try tracker.update(frame)
            #expect(faces.count == 1, "frame \(frame.index)")
            guard let face = faces.first else { continue }
            ids.insert(face.trackID)
            // Centres: the detector's box size wanders by a few pixels from frame to frame.
            let expected = TestVideos.astronautFaceX(frame.index) + 46
            if frame.index >= 5 { worstOffset = max(worstOffset, abs(face.box.centerX - expected)) }
            crops.append(try frame.image.crop(face.box, size: 128))
        }
        #expect(ids.count == 1)
        // The smoothed box follows the 2 px/frame drift without lagging behind it.
        #expect(worstOffset <= 4, "box off the face by \(worstOffset) px")
        // Aligned crops look alike; a fixed window over the drifting face would not.
        let fixed = try video.map { try $0.image.crop(FaceBox(x: 158, y: 11, width: 92, height: 92), size: 128) }
        let tracked = meanAbsDifference(crops.first!, crops.last!)
        let unaligned = meanAbsDifference(fixed.first!, fixed.last!)
        #expect(tracked < unaligned / 3, "tracked crops differ by \(tracked), fixed ones by \(unaligned)")
    }

    @Test func twoFacesGiveTwoTracks() throws {
        let tracker = FaceTracker(detector: try HaarFaceDetector(), fps: 30)
        var faces: [TrackedFace] = []
        for frame in try frames(TestVideos.twoFaces) { faces = try tracker.update(frame) }
        #expect(faces.count == 2)
        #expect(Set(faces.map(\.trackID)).count == 2)
        #expect(faces.allSatisfy { $0.visible })
    }

    @Test func noFaceNoTracks() throws {
        let tracker = FaceTracker(detector: try HaarFaceDetector(), fps: 30)
        for frame in try frames(TestVideos.h264MP4).prefix(60) {
            #expect(try tracker.update(frame).isEmpty)
        }
    }

    @Test func aLostFaceComesBackWithANewTrack() throws {
        let video = try frames(TestVideos.astronautDrift)
        let blank = Frame(index: 0, pts: 0, image: GrayImage(width: 400, height: 400, pixels: [UInt8](repeating: 128, count: 160_000)))
        let tracker = FaceTracker(detector: try HaarFaceDetector(), fps: 30)
        var index = 0
        func feed(_ frame: Frame) throws -> [TrackedFace] {
            defer { index += 1 }
            return try tracker.update(Frame(index: index, pts: Double(index) / 30, image: frame.image))
        }
        let before = try video.prefix(5).map(feed).last!
        for _ in 0..<20 { _ = try feed(blank) }   // 0.67 s without a face: longer than lostAfter
        #expect(tracker.faces.isEmpty)
        var after: [TrackedFace] = []
        for frame in video.prefix(20) { after = try feed(frame) }
        #expect(before.map(\.trackID) == [1])
        #expect(after.map(\.trackID) == [2])
    }

    @Test func aFollowedFaceIsSearchedEveryFourthFrameWithoutLagging() throws {
        let video = try frames(TestVideos.astronautDrift)
        var options = FaceTracker.Options()
        options.searchEvery = 4
        let tracker = FaceTracker(detector: try HaarFaceDetector(), fps: 30, options: options)
        var worstOffset = 0.0
        for frame in video {
            let faces = try tracker.update(frame)
            #expect(faces.count == 1, "frame \(frame.index)")
            guard let face = faces.first else { continue }
            if frame.index >= 5 {
                worstOffset = max(worstOffset, abs(face.box.centerX - (TestVideos.astronautFaceX(frame.index) + 46)))
            }
            // What FacePipeline measures from the crops' flow: the drift, 2 px a frame leftwards.
            tracker.follow(face.trackID, dx: -2, dy: 0)
        }
        #expect(worstOffset <= 4, "box off the face by \(worstOffset) px")
    }

    /// At 200 fps a followed face is searched at most 50 times a second: every 4th frame.
    @Test func aFollowedFaceAt200FpsIsSearchedEveryFourthFrame() throws {
        let video = try frames(TestVideos.astronautDrift)
        try #require(video.count == 30)
        let tracker = FaceTracker(detector: try HaarFaceDetector(), fps: 200)
        for frame in video {
            let faces = try tracker.update(frame)
            #expect(faces.count == 1, "frame \(frame.index)")
            if let face = faces.first { tracker.follow(face.trackID, dx: -2, dy: 0) }
        }
        // Frame 0 is the full-frame detection that starts the track; then frames 4, 8, ..., 28.
        #expect(tracker.localSearches == 7)
        let at30 = FaceTracker(detector: try HaarFaceDetector(), fps: 30)
        for frame in video {
            if let face = try at30.update(frame).first { at30.follow(face.trackID, dx: -2, dy: 0) }
        }
        #expect(at30.localSearches == 14, "every 2nd frame at 30 fps: 2, 4, ..., 28")
    }

    /// An empty, still scene: whole-frame searches at the idle interval only.
    @Test func anEmptySceneIsSearchedAtTheIdleInterval() throws {
        let tracker = FaceTracker(detector: try HaarFaceDetector(), fps: 30)
        let blank = GrayImage(width: 400, height: 400, pixels: [UInt8](repeating: 128, count: 160_000))
        for index in 0..<150 { _ = try tracker.update(Frame(index: index, pts: Double(index) / 30, image: blank)) }
        // Frames 0, 60 and 120 at the 2 s default.
        #expect(tracker.fullSearches.total == 3)
        #expect(tracker.fullSearches.gated == 0)
    }

    /// A face that appears in an empty scene between two idle searches is tracked from
    /// the frame it appears on: the change gate searches where it changed.
    @Test func aFaceThatAppearsIsTrackedAtOnce() throws {
        let video = try frames(TestVideos.astronautDrift)
        let tracker = FaceTracker(detector: try HaarFaceDetector(), fps: 30)
        let blank = GrayImage(width: video[0].image.width, height: video[0].image.height,
                              pixels: [UInt8](repeating: 128, count: video[0].image.pixels.count))
        for index in 0..<40 { #expect(try tracker.update(Frame(index: index, pts: Double(index) / 30, image: blank)).isEmpty) }
        let faces = try tracker.update(Frame(index: 40, pts: 40.0 / 30, image: video[0].image))
        #expect(faces.count == 1, "not found on the frame it appeared on")
        #expect(tracker.fullSearches.gated == 1)

        var options = FaceTracker.Options()
        options.changeGate = nil
        let ungated = FaceTracker(detector: try HaarFaceDetector(), fps: 30, options: options)
        for index in 0..<40 { _ = try ungated.update(Frame(index: index, pts: Double(index) / 30, image: blank)) }
        #expect(try ungated.update(Frame(index: 40, pts: 40.0 / 30, image: video[0].image)).isEmpty,
                "without the gate the face waits for the idle search at frame 60")
    }

    @Test func settingsFromTheTrackingTable() {
        var settings = TrackingSettings()
        settings.idleDetectionInterval = 0.5
        settings.changeGate = false
        let options = FaceTracker.Options(settings)
        #expect(options.idleDetectionInterval == 0.5)
        #expect(options.changeGate == nil)
        #expect(FaceTracker.Options(TrackingSettings()) == FaceTracker.Options())
    }

    @Test func frozenBoxStaysPut() throws {
        let video = try frames(TestVideos.astronautDrift)
        let tracker = FaceTracker(detector: try HaarFaceDetector(), fps: 30)
        var faces = try video.prefix(10).map { try tracker.update($0) }.last!
        let id = try #require(faces.first?.trackID)
        tracker.freeze(id)
        let frozenBox = tracker.faces[0].box
        for frame in video.dropFirst(10).prefix(10) { faces = try tracker.update(frame) }
        #expect(faces.first?.box == frozenBox)
        #expect(faces.first?.frozen == true)
        tracker.unfreeze(id)
        #expect(abs(tracker.faces[0].box.centerX - (TestVideos.astronautFaceX(19) + 46)) <= 4)
    }
}

func meanAbsDifference(_ a: GrayImage, _ b: GrayImage) -> Double {
    zip(a.pixels, b.pixels).reduce(0.0) { $0 + abs(Double($1.0) - Double($1.1)) } / Double(a.pixels.count)
}
