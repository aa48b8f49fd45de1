import Testing
@testable import ScriptSim

@Suite struct ArgumentSplitterTests {
    func split(_ line: String) throws(LineError) -> [[UInt8]] {
        let splitter = ArgumentSplitter()
        let bytes = Array(line.utf8)
        try bytes.withUnsafeBufferPointer { (b: UnsafeBufferPointer<UInt8>) throws(LineError) in try splitter.split(b, from: 0) }
        return (0..<splitter.arguments.count).map { Array(splitter.argument($0)) }
    }

    func strings(_ line: String) throws -> [String] {
        try split(line).map { String(decoding: $0, as: UTF8.self) }
    }

    func error(_ line: String) -> LineError? {
        do { _ = try split(line); return nil } catch { return error }
    }

    @Test func bareWordsAndBlanks() throws {
        #expect(try strings("EVAL  return\t0 ") == ["EVAL", "return", "0"])
        #expect(try strings("   ") == [])
    }

    @Test func doubleQuotedEscapes() throws {
        #expect(try strings(#""a\"b" "c\\d" "\n\r\t\b\a""#) == ["a\"b", "c\\d", "\n\r\t\u{08}\u{07}"])
        #expect(try split(#""\x00\xff\x4A\x4a""#) == [[0x00, 0xFF, 0x4A, 0x4A]])
        #expect(try strings(#""""#) == [""])
        #expect(try strings(#""two words" x"#) == ["two words", "x"])
    }

    @Test func singleQuotes() throws {
        #expect(try strings(#"'it\'s' 'a\nb' 'c\\d'"#) == ["it's", "a\\nb", "c\\\\d"])
        #expect(try strings("'say \"hi\"'") == ["say \"hi\""])
    }

    @Test func quoteInsideBareWordJoinsTheArgument() throws {
        #expect(try strings(#"ab"cd ef" g"#) == ["abcd ef", "g"])
    }

    @Test func nulAndBinaryBytesSurvive() throws {
        #expect(try split(#""a\x00b" c"#) == [[0x61, 0x00, 0x62], [0x63]])
    }

    @Test func columnsPointAtArgumentStarts() throws {
        let splitter = ArgumentSplitter()
        let bytes = Array(#"EVAL  "x y" 0"#.utf8)
        try bytes.withUnsafeBufferPointer { (b: UnsafeBufferPointer<UInt8>) throws(LineError) in try splitter.split(b, from: 0) }
        #expect(splitter.arguments.map(\.column) == [1, 7, 13])
    }

    @Test func errorsCarryTheirColumn() {
        #expect(error(#"EVAL "return 1"#)?.column == 6)
        #expect(error(#"EVAL "return 1"#)?.message == "unterminated double-quoted argument")
        #expect(error("EVAL 'abc")?.message == "unterminated single-quoted argument")
        #expect(error("EVAL 'abc")?.column == 6)
        #expect(error(#"EVAL "a"b 0"#)?.column == 9)
        #expect(error(#"EVAL "a"b 0"#)?.message == "closing quote must be followed by a space")
        #expect(error("EVAL 'a'b 0")?.column == 9)
        #expect(error(#"EVAL "a\qb" 0"#)?.column == 8)
        #expect(error(#"EVAL "a\qb" 0"#)?.message == "invalid escape '\\q' in double-quoted argument")
        #expect(error(#"EVAL "\x4" 0"#)?.column == 7)
        #expect(error(#"EVAL "\x4" 0"#)?.message == "invalid \\x escape: expected two hex digits")
        #expect(error(#"EVAL "abc\"#)?.message == "unterminated double-quoted argument")
    }

    /// The word-at-a-time copy of quoted runs: a quote, a backslash escape or
    /// the closing quote at every offset of the first words, with runs shorter
    /// and longer than a word, and bytes just beside '"' and '\\' (0x21, 0x23,
    /// 0x5B, 0x5D, and with the high bit: 0xA2, 0xDC). The expected argument is
    /// built directly, not by escaping and splitting.
    @Test func quotedRunsAtEveryOffset() throws {
        let fillers: [UInt8] = [0x61, 0x21, 0x23, 0x5B, 0x5D, 0xA2, 0xDC]
        for filler in fillers {
            for before in 0..<20 {
                for after in [0, 1, 7, 8, 9, 23] {
                    for (escape, meaning) in [(Array(#"\""#.utf8), UInt8(ascii: "\"")), (Array(#"\\"#.utf8), UInt8(ascii: "\\")),
                                              (Array(#"\n"#.utf8), 0x0A)] {
                        let line = Array(#"EVAL ""#.utf8) + Array(repeating: filler, count: before) + escape
                            + Array(repeating: filler, count: after) + Array(#"" 0"#.utf8)
                        let expected = Array(repeating: filler, count: before) + [meaning] + Array(repeating: filler, count: after)
                        let splitter = ArgumentSplitter()
                        try line.withUnsafeBufferPointer { (b: UnsafeBufferPointer<UInt8>) throws(LineError) in try splitter.split(b, from: 0) }
                        #expect(splitter.arguments.count == 3)
                        #expect(Array(splitter.argument(1)) == expected, "filler \(filler) before \(before) after \(after)")
                        #expect(Array(splitter.argument(2)) == [UInt8(ascii: "0")])
                    }
                }
            }
        }
        // Unterminated after a long run: the error still points at the opening quote.
        #expect(error(#"EVAL "\#(String(repeating: "x", count: 30))"#)?.column == 6)
    }
}
