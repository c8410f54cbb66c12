import MexCore
import Testing

@Suite struct ColorImageTests {
    @Test func grayRepeatsEachLevelInRedGreenAndBlue() {
        let gray = GrayImage(width: 2, height: 1, pixels: [7, 200])
        let color = ColorImage(gray: gray)
        #expect(color.width == 2 && color.height == 1)
        #expect(color.pixels == [7, 7, 7, 200, 200, 200])
        #expect(color[1, 0] == (red: 200, green: 200, blue: 200))
    }

    @Test func pixelsAreRowsOfRGB() {
        let image = ColorImage(width: 2, height: 2, pixels: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
        #expect(image[1, 0] == (red: 4, green: 5, blue: 6))
        #expect(image[0, 1] == (red: 7, green: 8, blue: 9))
    }
}
