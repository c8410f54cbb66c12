import Foundation

/// Test inputs made on the fly with the ffmpeg command-line tool, so that the tests
/// exercise real containers and codecs without binary files in the repository.
/// Each video is made once per test process, on first use.
public enum TestVideos {
    /// A fresh folder for this test process.
    public static let folder: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mexd-tests-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    /// 300 frames of H.264 at 30 fps, 160x120, in MP4 (moov at the end, as ffmpeg writes it).
    public static let h264MP4: URL = make("h264-300.mp4", [
        "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=30", "-frames:v", "300",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"])

    /// The same pictures in Matroska, which states its duration in the header.
    public static let h264MKV: URL = make("h264-300.mkv", [
        "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=30", "-frames:v", "300",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"])

    /// The same pictures in MPEG-TS, the container broadcast and RTSP recordings use.
    public static let h264TS: URL = make("h264-300.ts", [
        "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=30", "-frames:v", "300",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"])

    /// Variable frame rate: frames 0-9 every 1/30 s, then every 1/10 s, 30 frames in all.
    public static let variableRateMKV: URL = make("vfr.mkv", [
        "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=30", "-frames:v", "30",
        // In units of the 1/30 s time base, so every timestamp is an exact integer.
        "-vf", "setpts='if(lt(N,10),N,10+3*(N-10))'", "-fps_mode", "passthrough",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"])

    /// Expected pts of `variableRateMKV`.
    public static func variableRatePts(_ n: Int) -> Double { n < 10 ? Double(n) / 30 : 10.0 / 30 + Double(n - 10) / 10 }

    /// Ten RGB PNG frames of one solid colour, as an image sequence (img%03d.png).
    public static let pngSequence: URL = {
        let dir = folder.appendingPathComponent("png", isDirectory: true)
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        run(["-f", "lavfi", "-i", "color=c=0xC86432:size=64x48:rate=10", "-frames:v", "10",
             "-pix_fmt", "rgb24", dir.appendingPathComponent("img%03d.png").path])
        return dir.appendingPathComponent("img%03d.png")
    }()

    /// scikit-image's astronaut photo (public domain, NASA), a real face.
    public static let astronautPhoto = Fixtures.url("faces/astronaut.jpg")

    /// The astronaut drifting left by 2 px per frame: a 400x400 window of the
    /// 512x512 photo whose left edge is at 20 + 2n in frame n. 30 frames at 30 fps.
    public static let astronautDrift: URL = make("astronaut-drift.mp4", [
        "-loop", "1", "-framerate", "30", "-i", astronautPhoto.path, "-vf", "crop=400:400:'20+2*n':56,format=yuv420p",
        "-frames:v", "30", "-r", "30", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "18"])

    /// The astronaut swaying inside a 640x480 frame (up to 2.7 px a frame, as a head
    /// moves while its owner talks), with sensor noise and no expression: bench/scan's
    /// video, 300 frames at 30 fps.
    public static let astronautSway: URL = make("astronaut-sway.mp4", [
        "-loop", "1", "-framerate", "30", "-i", astronautPhoto.path,
        "-vf", "scale=448:448,pad=760:560:156:56,crop=640:480:'60+40*sin(n/15)':'40+20*cos(n/23)',noise=alls=6:allf=t,format=yuv420p",
        "-frames:v", "300", "-c:v", "libx264", "-preset", "medium", "-crf", "20"])

    /// Where the astronaut's face (178, 67, 92x92 in the photo) is in frame n of `astronautDrift`.
    public static func astronautFaceX(_ n: Int) -> Double { 178 - Double(20 + 2 * n) }

    /// Two faces side by side: the photo and its mirror image, 10 frames.
    public static let twoFaces: URL = make("two-faces.mp4", [
        "-loop", "1", "-framerate", "30", "-i", astronautPhoto.path,
        "-filter_complex", "[0]split[a][b];[b]hflip[c];[a][c]hstack,format=yuv420p",
        "-frames:v", "10", "-r", "30", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "18"])

    /// Audio only: no video stream.
    public static let audioOnly: URL = make("tone.wav", ["-f", "lavfi", "-i", "sine=frequency=440:duration=1"])

    /// A text file with a video's name.
    public static let notAVideo: URL = {
        let url = folder.appendingPathComponent("notes.mp4")
        try? Data("this is not a video\n".utf8).write(to: url)
        return url
    }()

    /// One baseline JPEG of a uniform gray (luma 128 in full range), as an MJPEG camera sends it.
    public static let jpegFrame: Data = {
        let url = make("frame.jpg", ["-f", "lavfi", "-i", "color=c=0x808080:size=64x48", "-frames:v", "1",
                                     "-pix_fmt", "yuvj420p", "-f", "mjpeg"])
        return try! Data(contentsOf: url)
    }()

    /// A copy of `source` cut to `fraction` of its size.
    public static func truncated(_ source: URL, fraction: Double) -> URL {
        let data = try! Data(contentsOf: source)
        let url = folder.appendingPathComponent("truncated-\(fraction)-\(source.lastPathComponent)")
        try! data.prefix(Int(Double(data.count) * fraction)).write(to: url)
        return url
    }

    /// A copy of `source` with `count` runs of 188 garbage bytes spread over its middle.
    public static func corrupted(_ source: URL, count: Int) -> URL {
        var data = try! Data(contentsOf: source)
        var generator = SplitMix64(seed: 42)
        for i in 0..<count {
            let at = data.count / 4 + i * (data.count / 2) / count
            for j in 0..<188 where at + j < data.count { data[at + j] = UInt8(truncatingIfNeeded: generator.next()) }
        }
        let url = folder.appendingPathComponent("corrupt-\(count)-\(source.lastPathComponent)")
        try! data.write(to: url)
        return url
    }

    /// The decoded frames of a video as full-range gray, as the ffmpeg tool's swscale makes them.
    public static func referenceGray(_ video: URL, width: Int, height: Int) -> [[UInt8]] {
        let url = folder.appendingPathComponent("\(video.lastPathComponent).gray")
        run(["-i", video.path, "-f", "rawvideo", "-pix_fmt", "gray", url.path])
        let data = try! Data(contentsOf: url)
        let frameSize = width * height
        return stride(from: 0, to: data.count, by: frameSize).map { [UInt8](data[$0..<($0 + frameSize)]) }
    }

    private static func make(_ name: String, _ arguments: [String]) -> URL {
        let url = folder.appendingPathComponent(name)
        run(arguments + [url.path])
        return url
    }

    private static func run(_ arguments: [String]) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ffmpeg", "-nostdin", "-v", "error", "-y"] + arguments
        try! process.run()
        process.waitUntilExit()
        precondition(process.terminationStatus == 0, "ffmpeg failed: \(arguments.joined(separator: " "))")
    }
}

/// A small seeded generator, so corrupted files are the same on every run.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
