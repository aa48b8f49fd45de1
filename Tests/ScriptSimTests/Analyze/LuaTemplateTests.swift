import Testing
@testable import ScriptSim

@Suite struct LuaTemplateTests {
    func result(_ body: [UInt8]) -> Result<LuaTemplate, LuaTemplateError> { LuaTokenizer.template(of: body) }
    func result(_ body: String) -> Result<LuaTemplate, LuaTemplateError> { result(Array(body.utf8)) }

    func template(_ body: [UInt8]) -> LuaTemplate? { try? result(body).get() }
    func template(_ body: String) -> LuaTemplate? { template(Array(body.utf8)) }

    func error(_ body: String) -> LuaTemplateError? {
        if case .failure(let e) = result(body) { return e }
        return nil
    }

    /// The literals' source text, in order.
    func literals(_ body: String) -> [String] {
        let bytes = Array(body.utf8)
        return template(bytes)?.literals.map { String(decoding: bytes[$0.range], as: UTF8.self) } ?? ["<error>"]
    }

    func kinds(_ body: String) -> [LuaLiteral.Kind] { template(body)?.literals.map(\.kind) ?? [] }

    @Test func literalsInCommentsAreText() {
        #expect(literals("-- 5 'x' \"y\" [[z]]\nreturn 1") == ["1"])
        #expect(literals("--[[ 'a' 2\n 3 ]] return 'b'") == ["'b'"])
        #expect(literals("--[==[ ]] 'q' 4 ]=] ]==] return 0x10") == ["0x10"])
        #expect(literals("--[= not long: 'x' 1\nreturn 2") == ["2"])  // `--[=` without `[`: a short comment
        #expect(template("--[[ 'a' ]] return 1")?.readable == "--[[ 'a' ]] return $n1")
        // A comment's text is part of the program: changing it is another template.
        #expect(template("-- v1\nreturn 1") != template("-- v2\nreturn 1"))
        #expect(template("-- 'a'\nreturn 1") != template("-- 'b'\nreturn 1"))
    }

    @Test func longStrings() {
        #expect(literals("return [==[ a ]] \"q\" 'r' ]=] ]==], 1") == ["[==[ a ]] \"q\" 'r' ]=] ]==]", "1"])
        #expect(literals("return [[x]]..[=[y]=]") == ["[[x]]", "[=[y]=]"])
        #expect(literals("return [[\n-- not a comment 5\n]]") == ["[[\n-- not a comment 5\n]]"])
        #expect(literals("t[ [[k]] ] = a[1]") == ["[[k]]", "1"])  // `[` alone is an operator
        #expect(literals("return [=[ [[ ]=]") == ["[=[ [[ ]=]"])  // `[[` nests only at level 0
        #expect(kinds("return [[x]]") == kinds("return 'x'"))
    }

    @Test func escapes() {
        #expect(literals(#"return 'it\'s'"#) == [#"'it\'s'"#])
        #expect(literals(#"return "a\"b""#) == [#""a\"b""#])
        #expect(literals(#"return '\\', 1"#) == [#"'\\'"#, "1"])
        #expect(literals(#"return '\097\0\255'"#) == [#"'\097\0\255'"#])
        #expect(literals("return 'a\\\nb', 'c\\\r\nd'") == ["'a\\\nb'", "'c\\\r\nd'"])  // backslash-newline
        #expect(literals(##"return '\q\z"', "x'""##) == [#"'\q\z"'"#, #""x'""#])  // 5.1 keeps unknown escapes
        #expect(literals("return 'a\0b'") == ["'a\0b'"])
    }

    @Test func numbers() {
        #expect(literals("return 0xFF, 0Xa, 1e3, 2.5E-2, 1E+10, .5, 3., 42") == ["0xFF", "0Xa", "1e3", "2.5E-2", "1E+10", ".5", "3.", "42"])
        #expect(literals("return a.b .. .5 ... 1") == [".5", "1"])
        #expect(literals("return 0x1p4") == ["0x1p4"])  // strtod reads C99 hex floats
        #expect(literals("return x1, _2") == [])
        #expect(template("return 0xFF")?.literals.first?.range == 7..<11)
    }

    /// read_numeral takes digits and dots, an exponent, then letters and `_`;
    /// what strtod does not read whole is a malformed number.
    @Test func numeralExtentFollowsReadNumeral() {
        for bad in ["return 3x", "return 1..2", "return 1e", "return 1e+", "return 0x", "return 0xg", "return 1.2.3", "return 0x1p", "return 1e5e5"] {
            #expect(error(bad) == .malformedNumber(at: 7), "\(bad)")
        }
        #expect(error("return 1 .. 2") == nil)
        #expect(error("return 0x1p+4") == .malformedNumber(at: 7))  // the sign is not taken after `p`
    }

    @Test func minusIsAnOperator() throws {
        let negative = try #require(template("return -5"))
        #expect(negative.literals == [LuaLiteral(kind: .number, range: 8..<9)])
        #expect(negative.readable == "return -$n1")
        #expect(template("return -5") != template("return 5"))
        #expect(template("return -5") == template("return -70"))
        #expect(template("return 1-2") == template("return 3-4"))
        #expect(literals("return --5\n") == [])  // two minus signs start a comment
    }

    @Test func differentProgramsNeverShareAKey() {
        #expect(template("return 1") != template("return 'x'"))
        #expect(template("return a") != template("return b"))
        #expect(template("return 1") != template("return 1 "))
        #expect(template("return 'x', 1") != template("return 1, 'x'"))
        // Marker bytes in the body are escaped, so text cannot pass for a literal.
        let marker: [UInt8] = [0xFF, UInt8(ascii: "s")]
        let literal = Array("return 'x'".utf8)
        let lookalike = Array("return ".utf8) + marker
        #expect(template(literal) != template(lookalike))
        #expect(template(literal)?.key == Array("return ".utf8) + marker)
        #expect(template(lookalike)?.key == Array("return ".utf8) + [0xFF] + marker)
        // Without the escape, `return 'x' -- M` and `return M -- M` (M: the marker
        // bytes, raw, in code and in a comment) would both read `return M -- M`.
        let withComment = Array("return 'x' -- ".utf8) + marker
        let rawTwice = Array("return ".utf8) + marker + Array(" -- ".utf8) + marker
        #expect(template(withComment) != template(rawTwice))
        #expect(template(rawTwice)?.literals == [])
        // The readable form is not injective (a comment may spell a placeholder); the key is.
        #expect(template("return 'x' -- $s1")?.readable == template("return $s1 -- $s1")?.readable)
        #expect(template("return 'x' -- $s1") != template("return $s1 -- $s1"))
        // The same program with other literals does share one.
        #expect(template("return 'a'") == template("return [[bcd]]"))
        #expect(template("return 16") == template("return 0x10"))
        #expect(Set([template("return 1"), template("return 2"), template("return 'x'")]).count == 2)
    }

    @Test func lexicalErrorsFail() {
        #expect(error("return 'abc") == .unfinishedString(at: 7))
        #expect(error("return \"abc\nd\"") == .unfinishedString(at: 7))
        #expect(error("return 'abc\\") == .unfinishedString(at: 7))
        #expect(error("return [[abc") == .unfinishedLongString(at: 7))
        #expect(error("return [==[abc]=]") == .unfinishedLongString(at: 7))
        #expect(error("x = 1 --[[ abc") == .unfinishedLongComment(at: 6))
        #expect(error("return [=x") == .invalidLongStringDelimiter(at: 7))
        #expect(error("return [==") == .invalidLongStringDelimiter(at: 7))
        #expect(error("return [[ a [[ b ]]") == .nestedLongBracket(at: 12))
        #expect(error("--[[ a [[ b ]]") == .nestedLongBracket(at: 7))
        #expect(error("return '\\256'") == .escapeTooLarge(at: 8))
        #expect(error("return 'abc")?.message == "unfinished string")
        #expect(error("return 1 + ) end") == nil)  // a syntax error is not a lexical one
    }

    @Test func keyPositions() {
        func keys(_ body: String) -> [String] {
            let bytes = Array(body.utf8)
            return template(bytes)?.literals.filter(\.isKeyPosition).map { String(decoding: bytes[$0.range], as: UTF8.self) } ?? []
        }
        #expect(keys("return redis.call('GET', 'k')") == ["'k'"])
        #expect(keys(#"redis.pcall("SET", "k", "v")"#) == [#""k""#])
        #expect(keys("server.call('DEL', [[a]]) server.pcall('GET', 'b')") == ["[[a]]", "'b'"])
        #expect(keys("redis.call( 'GET' , --[[ c ]] 'k' )") == ["'k'"])
        #expect(keys("redis.call(cmd, 'k')") == ["'k'"])
        #expect(keys("redis.call('GET', 'user:' .. id)") == [])  // only part of the key
        #expect(keys("redis.call('GET', KEYS[1])") == [])
        #expect(keys("redis.call('HSET', KEYS[1] .. ':h', 'last', arg)") == [])
        #expect(keys("redis.call('GET')") == [])
        #expect(keys("redis.log('GET', 'k') foo('GET', 'k')") == [])
    }

    @Test func shebangLineIsText() throws {
        let t = try #require(template("#!lua flags=no-writes 'x' 5\nreturn 'y'"))
        #expect(t.readable == "#!lua flags=no-writes 'x' 5\nreturn $s1")
        #expect(template("#!lua\nreturn 1") != template("#!lua flags=no-writes\nreturn 1"))
        #expect(literals("#!lua 1") == [])
        #expect(literals("return 1 #! 2") == ["1", "2"])  // only on the first line
    }

    @Test func nulAndHighBytes() throws {
        let quoted = try #require(template(Array("return 'x'".utf8) + [0]))
        #expect(quoted.literals.map(\.range) == [7..<10])
        #expect(quoted.key.last == 0)
        // Lua 5.1's check_next uses strchr, which matches NUL: a NUL right after
        // a number's digits is taken as its exponent mark (the numeral still reads 1).
        let number = try #require(template(Array("return 1".utf8) + [0]))
        #expect(number.literals.map(\.range) == [7..<9])
        #expect(template(Array("return 5".utf8) + [0]) == number)
        let high = try #require(template(Array("local \u{E9}t\u{E9} = 'x' -- \u{2603}".utf8)))
        #expect(high.literals.count == 1)
        #expect(high.readable == "local \u{E9}t\u{E9} = $s1 -- \u{2603}")
    }

    @Test func generatorShape() {
        let a = "-- script 12\nlocal arg = 'v180046636950'\nredis.call('LTRIM', KEYS[1] .. ':l', 0, 99)\nreturn 1"
        let b = "-- script 12\nlocal arg = 'v7'\nredis.call('LTRIM', KEYS[1] .. ':l', 0, 99)\nreturn 1"
        let c = "-- script 13\nlocal arg = 'v180046636950'\nredis.call('LTRIM', KEYS[1] .. ':l', 0, 99)\nreturn 1"
        #expect(template(a) != nil)
        #expect(template(a) == template(b))
        #expect(template(a) != template(c))
        #expect(template(a)?.readable == "-- script 12\nlocal arg = $s1\nredis.call($s2, KEYS[$n1] .. $s3, $n2, $n3)\nreturn $n4")
        #expect(template(a)?.literals.contains(where: \.isKeyPosition) == false)
    }

    @Test func placeholdersAndRewrite() throws {
        let body = Array("local arg = 'v1'\nreturn redis.call('GET', 'user:1') + 5".utf8)
        let t = try #require(template(body))
        #expect((0..<t.literals.count).map(t.placeholder) == ["$s1", "$s2", "$s3", "$n1"])
        #expect(t.literals.map(\.isKeyPosition) == [false, false, true, false])
        let rewritten = body.withUnsafeBufferPointer {
            LuaTokenizer.rewrite($0, template: t, replacements: [0: "ARGV[1]", 2: "KEYS[1]"])
        }
        #expect(String(decoding: rewritten, as: UTF8.self) == "local arg = ARGV[1]\nreturn redis.call('GET', KEYS[1]) + 5")
        #expect(body.withUnsafeBufferPointer { LuaTokenizer.rewrite($0, template: t, replacements: [:]) } == body)
    }

    /// Any bytes give a result, with literals in order inside the body; the
    /// pieces Lua cares about are drawn often so the lexer's corners are reached.
    @Test func randomBodiesNeverCrash() {
        var rng = SeededRandom(seed: 14)
        let pieces = ["--", "[[", "[=[", "]]", "]=]", "[", "]", "=", "'", "\"", "\\", "\\\n", "\\256", "0", "9", ".", "..",
                      "e", "E", "x", "p", "+", "-", "a", "_", " ", "\n", "\r", "\0", "\u{FF}", "redis", ".call", "(", ",", ")", "#!"]
            .map { Array($0.utf8) }
        var succeeded = 0
        for round in 0..<4000 {
            var body: [UInt8] = []
            for _ in 0..<rng.below(40) {
                if round % 4 == 0 { body.append(UInt8(rng.below(256))) } else { body += pieces[rng.below(pieces.count)] }
            }
            guard case .success(let t) = result(body) else { continue }
            succeeded += 1
            var end = 0
            for literal in t.literals {
                #expect(literal.range.lowerBound >= end && literal.range.upperBound <= body.count && !literal.range.isEmpty)
                end = literal.range.upperBound
            }
            #expect(body.withUnsafeBufferPointer { LuaTokenizer.rewrite($0, template: t, replacements: [:]) } == body)
            _ = t.readable
        }
        #expect(succeeded > 400)
    }
}
