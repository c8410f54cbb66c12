import Testing
@testable import MexConfig

@Suite struct TOMLKeyLocatorTests {
    @Test func tablesAndKeys() {
        let locator = TOMLKeyLocator("""
            # a comment with key = value
            top = 1

            [daemon]
            socket = "/run/x.sock"   # trailing = comment
              log_level="info"
            [sources.cam0]
            kind = "v4l2"
            """)
        #expect(locator.line(of: "top") == 2)
        #expect(locator.line(of: "daemon") == 4)
        #expect(locator.line(of: "daemon.socket") == 5)
        #expect(locator.line(of: "daemon.log_level") == 6)
        #expect(locator.line(of: "sources") == 7, "a header defines its parents")
        #expect(locator.line(of: "sources.cam0") == 7)
        #expect(locator.line(of: "sources.cam0.kind") == 8)
        #expect(locator.line(of: "a") == nil)
    }

    @Test func dottedAndQuotedKeys() {
        let locator = TOMLKeyLocator("""
            sources.cam0.kind = "file"
            sources . "cam 1" . path = "x"
            [sources."odd.name"]
            'literal key' = 1
            "esc\\"aped" = 2
            "\\u0041" = 3
            """)
        #expect(locator.line(of: ["sources"]) == 1)
        #expect(locator.line(of: ["sources", "cam0"]) == 1)
        #expect(locator.line(of: ["sources", "cam0", "kind"]) == 1)
        #expect(locator.line(of: ["sources", "cam 1", "path"]) == 2)
        #expect(locator.line(of: ["sources", "odd.name"]) == 3)
        #expect(locator.line(of: ["sources", "odd.name", "literal key"]) == 4)
        #expect(locator.line(of: ["sources", "odd.name", "esc\"aped"]) == 5)
        #expect(locator.line(of: ["sources", "odd.name", "A"]) == 6)
    }

    @Test func inlineTablesAndMultiLineValues() {
        let locator = TOMLKeyLocator(#"""
            [sources.cam0]
            controls = { brightness = 10, "white balance" = { auto = 1 } }
            size = [
              640,  # width = 1
              480,
            ]
            note = """
            fake = 1
            [fake]
            """
            raw = '''
            also = 'no'
            '''
            after = { a = 1,
              b = 2 }
            last = 1
            """#)
        #expect(locator.line(of: "sources.cam0.controls") == 2)
        #expect(locator.line(of: "sources.cam0.controls.brightness") == 2)
        #expect(locator.line(of: ["sources", "cam0", "controls", "white balance", "auto"]) == 2)
        #expect(locator.line(of: "sources.cam0.size") == 3)
        #expect(locator.line(of: "sources.cam0.note") == 7)
        let names = locator.entries.map { $0.path.joined(separator: ".") }
        #expect(!names.contains("fake") && !names.contains("sources.cam0.fake"), "text inside a multi-line string is not a key")
        #expect(locator.line(of: "sources.cam0.raw") == 11)
        #expect(!names.contains("sources.cam0.also"))
        #expect(locator.line(of: "sources.cam0.after.b") == 15)
        #expect(locator.line(of: "sources.cam0.last") == 16)
    }

    @Test func unknownPathsFallBackToTheirParent() {
        let locator = TOMLKeyLocator("[spotter]\np = 0.1\n")
        #expect(locator.line(of: "spotter.p.deeper") == 2)
        #expect(locator.line(of: "spotter.q") == 1)
    }

    @Test func arraysOfTablesAndStringsWithBrackets() {
        let locator = TOMLKeyLocator("""
            a = "[not a header]"
            [[sources]]
            kind = "x" # ]
            b = ["]", '[', "{"]
            c = 1979-05-27 07:32:00
            d = 2
            """)
        #expect(locator.line(of: "a") == 1)
        #expect(locator.line(of: "sources") == 2)
        #expect(locator.line(of: "sources.kind") == 3)
        #expect(locator.line(of: "sources.b") == 4)
        #expect(locator.line(of: "sources.c") == 5)
        #expect(locator.line(of: "sources.d") == 6)
    }

    @Test func malformedTextDoesNotHang() {
        for text in ["[", "a = [1, 2", "a = {", "\"unclosed = 1\nb = 2", "a = \"\"\"open", "= = =", "[a.\nb = 1", "x = '''"] {
            _ = TOMLKeyLocator(text)
        }
        let locator = TOMLKeyLocator("= 1\nb = 2\n")
        #expect(locator.line(of: "b") == 2)
    }
}
