import MexCore

/// Says when a frame shows something new enough to be worth a full-frame face search
/// before the next scheduled one: a face walking in, a cut, a light switched on.
///
/// Each frame is shrunk to a thumbnail 32 cells across (one cell is about
/// 20x20 px of a 640x480 frame: a 72 px face covers a dozen). A cell has changed when
/// it differs from the same cell `span` seconds ago by more than `level` gray levels
/// plus three times that cell's own usual change (a running mean over `habituation`
/// seconds). The usual change makes the gate habituate: a screen, a waving plant or a
/// test pattern's moving parts stop counting after a few seconds, so a scene that
/// changes all the time does not keep the detector busy, while a change where there
/// was none still does.
///
/// Not thread-safe: one per tracker.
public struct SceneChangeGate {
    public struct Options: Sendable, Equatable {
        /// Gray levels a cell must change by, above its usual change.
        public var level = 10.0
        /// Changed cells in one patch needed to fire: a 72 px face at 640x480, the
        /// smallest the tracker looks for, covers about 13.
        public var cells = 6
        /// Seconds between the thumbnails compared: long enough that a face walking in
        /// slowly at 200 fps still changes its cells by whole gray levels.
        public var span = 0.1
        /// Seconds over which a cell's usual change is averaged.
        public var habituation = 2.0
        /// Thumbnail width in cells; the height keeps the frame's aspect ratio.
        public var columns = 32
        public init() {}
    }

    public let options: Options
    private let lag: Int
    private let rate: Double
    /// The last `lag + 1` thumbnails, oldest first.
    private var thumbnails: [[Float]] = []
    private var usual: [Float] = []
    private var size: (width: Int, height: Int)?

    public init(fps: Double, options: Options = Options()) {
        self.options = options
        lag = max(1, Int((options.span * fps).rounded()))
        rate = 1 / max(1, options.habituation * fps)
    }

    /// Cell means over a lattice of every 4th pixel of every 4th row: a 32-cell-wide
    /// thumbnail of a 640x480 frame still averages about 25 pixels per cell, which is
    /// plenty to see a gray level move, at a sixteenth of a full-resolution average's
    /// reads (the gate runs on every frame of an empty scene).
    static func thumbnail(_ image: GrayImage, width: Int, height: Int) -> [Float] {
        let step = 4
        var sums = [Float](repeating: 0, count: width * height)
        var counts = [Float](repeating: 0, count: width * height)
        image.pixels.withUnsafeBufferPointer { pixels in
            for y in stride(from: step / 2, to: image.height, by: step) {
                let row = y * height / image.height * width
                let line = y * image.width
                for x in stride(from: step / 2, to: image.width, by: step) {
                    let cell = row + x * width / image.width
                    sums[cell] += Float(pixels[line + x])
                    counts[cell] += 1
                }
            }
        }
        for i in sums.indices where counts[i] > 0 { sums[i] /= counts[i] }
        return sums
    }

    /// Forgets what it has seen: the next frames are compared afresh (after a track
    /// was lost, when the gate has not been fed for a while).
    public mutating func reset() {
        thumbnails = []
        usual = usual.map { _ in 0 }
    }

    /// Takes the frame in; returns where it changed enough to search it (frame pixels),
    /// or nil. The region is the bounding box of the largest patch of changed cells
    /// (4-connected) with at least `cells` cells: a face that walks in is one compact
    /// patch, while scattered changes elsewhere (noise, a flickering display) are not
    /// searched for it.
    public mutating func changed(_ image: GrayImage) -> FaceBox? {
        let width = options.columns
        let height = max(1, Int((Double(image.height) * Double(width) / Double(image.width)).rounded()))
        if size.map({ $0 != (width, height) }) ?? true {
            size = (width, height)
            thumbnails = []
            usual = [Float](repeating: 0, count: width * height)
        }
        let thumbnail = Self.thumbnail(image, width: width, height: height)
        thumbnails.append(thumbnail)
        guard thumbnails.count > lag else { return nil }
        let earlier = thumbnails.removeFirst()
        var changed = [Bool](repeating: false, count: thumbnail.count)
        var changedCells = 0
        let level = Float(options.level), step = Float(rate)
        for i in thumbnail.indices {
            let change = abs(thumbnail[i] - earlier[i])
            if change > level + 3 * usual[i] {
                changed[i] = true
                changedCells += 1
            }
            usual[i] += step * (change - usual[i])
        }
        guard changedCells >= options.cells, let patch = Self.largestPatch(changed, width: width, height: height),
              patch.cells >= options.cells else { return nil }
        let cellWidth = Double(image.width) / Double(width), cellHeight = Double(image.height) / Double(height)
        return FaceBox(x: Double(patch.x0) * cellWidth, y: Double(patch.y0) * cellHeight,
                       width: Double(patch.x1 - patch.x0 + 1) * cellWidth, height: Double(patch.y1 - patch.y0 + 1) * cellHeight)
    }

    /// The 4-connected patch of set cells with the most cells, and its bounding cells.
    static func largestPatch(_ set: [Bool], width: Int, height: Int) -> (cells: Int, x0: Int, y0: Int, x1: Int, y1: Int)? {
        var seen = [Bool](repeating: false, count: set.count)
        var best: (cells: Int, x0: Int, y0: Int, x1: Int, y1: Int)?
        var stack: [Int] = []
        for start in set.indices where set[start] && !seen[start] {
            var patch = (cells: 0, x0: width, y0: height, x1: -1, y1: -1)
            seen[start] = true
            stack.append(start)
            while let i = stack.popLast() {
                let x = i % width, y = i / width
                patch.cells += 1
                patch.x0 = min(patch.x0, x); patch.x1 = max(patch.x1, x)
                patch.y0 = min(patch.y0, y); patch.y1 = max(patch.y1, y)
                for (nx, ny) in [(x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1)] where nx >= 0 && nx < width && ny >= 0 && ny < height {
                    let j = ny * width + nx
                    if set[j] && !seen[j] {
                        seen[j] = true
                        stack.append(j)
                    }
                }
            }
            if patch.cells > (best?.cells ?? 0) { best = patch }
        }
        return best
    }
}
