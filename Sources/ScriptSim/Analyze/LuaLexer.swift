/// Lua 5.1.5's lexer (llex.c, as in Redis's deps/lua), reduced to what a
/// template needs: where literals start and end, which bodies fail to lex, and
/// the few tokens around `redis.call(` that tell a key argument. Extents and
/// errors follow llex.c case by case; tokens that are not literals are only
/// skipped. Character classes are the C locale's (bytes ≥ 0x80 are no letters),
/// as in the server. The body is a buffer with a length (luaL_loadbuffer), so a
/// NUL byte is an ordinary character, never the end.
enum LuaLexer {
    /// Appends the literals of `b` in order; returns the first lexical error, if any.
    static func scan(_ b: UnsafeBufferPointer<UInt8>, literals: inout [LuaLiteral]) -> LuaTemplateError? {
        let n = b.count
        var i = 0
        var calls = KeyArgumentTracker()
        // Redis compiles from the line feed of a `#!` first line (src/eval.c).
        if n >= 2, b[0] == UInt8(ascii: "#"), b[1] == UInt8(ascii: "!") {
            while i < n, b[i] != 0x0A { i += 1 }
        }
        while i < n {
            let start = i
            let c = b[i]
            if isDigit(c) || (c == UInt8(ascii: ".") && i + 1 < n && isDigit(b[i + 1])) {
                i = numeralEnd(b, from: i)
                guard isValidNumeral(b, start..<i) else { return .malformedNumber(at: start) }
                literals.append(LuaLiteral(kind: .number, range: start..<i))
                calls.feed(.number, &literals)
                continue
            }
            switch c {
            case 0x0A, 0x0D, 0x20, 0x09, 0x0B, 0x0C:  // isspace
                i += 1
            case UInt8(ascii: "-"):
                i += 1
                guard i < n, b[i] == UInt8(ascii: "-") else { calls.feed(.other, &literals); continue }
                i += 1
                if i < n, b[i] == UInt8(ascii: "[") {
                    let (level, next) = separator(b, i)
                    if level >= 0 {
                        switch closeLongBracket(b, at: start, from: next + 1, level: level, comment: true) {
                        case .success(let end): i = end
                        case .failure(let error): return error
                        }
                        continue
                    }
                }
                while i < n, b[i] != 0x0A, b[i] != 0x0D { i += 1 }  // short comment
            case UInt8(ascii: "["):
                let (level, next) = separator(b, i)
                if level >= 0 {
                    switch closeLongBracket(b, at: start, from: next + 1, level: level, comment: false) {
                    case .success(let end): i = end
                    case .failure(let error): return error
                    }
                    literals.append(LuaLiteral(kind: .string, range: start..<i))
                    calls.feed(.string(literals.count - 1), &literals)
                } else if level == -1 {
                    i = next
                    calls.feed(.other, &literals)
                } else {
                    return .invalidLongStringDelimiter(at: start)
                }
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                switch closeString(b, from: i) {
                case .success(let end): i = end
                case .failure(let error): return error
                }
                literals.append(LuaLiteral(kind: .string, range: start..<i))
                calls.feed(.string(literals.count - 1), &literals)
            case UInt8(ascii: "."):
                i += 1
                if i < n, isDotOrNUL(b[i]) {  // `..` or `...` (check_next: see isDotOrNUL)
                    i += 1
                    if i < n, isDotOrNUL(b[i]) { i += 1 }
                    calls.feed(.other, &literals)
                } else {
                    calls.feed(.dot, &literals)
                }
            default:
                if isAlpha(c) || c == UInt8(ascii: "_") {
                    repeat { i += 1 } while i < n && isNameByte(b[i])
                    calls.feed(.name(KeyArgumentTracker.classify(b, start..<i)), &literals)
                } else {
                    // Operators and any other byte: one character. (`==`, `<=`, `>=`,
                    // `~=` are two, but their second `=` starts no literal either.)
                    i += 1
                    calls.feed(c == UInt8(ascii: "(") ? .open : c == UInt8(ascii: ",") ? .comma
                        : c == UInt8(ascii: ")") ? .close : .other, &literals)
                }
            }
        }
        return nil
    }

    /// skip_sep: at `b[i]` = `[` or `]`, counts the `=` after it. The level when
    /// the same bracket follows them, else -(count) - 1; and the index after the `=`s.
    static func separator(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> (level: Int, next: Int) {
        var j = i + 1
        while j < b.count, b[j] == UInt8(ascii: "=") { j += 1 }
        let count = j - i - 1
        return (j < b.count && b[j] == b[i]) ? (count, j) : (-count - 1, j)
    }

    /// read_long_string from just after the opening bracket: the index after the
    /// closing `]=…]` of the same level. A bracket whose level differs is content
    /// (llex.c resumes at the byte skip_sep stopped on, so no closing is missed).
    static func closeLongBracket(_ b: UnsafeBufferPointer<UInt8>, at open: Int, from: Int, level: Int, comment: Bool) -> Result<Int, LuaTemplateError> {
        var p = from
        while p < b.count {
            let c = b[p]
            if c == UInt8(ascii: "]") || c == UInt8(ascii: "[") {
                let (found, next) = separator(b, p)
                if found == level {
                    if c == UInt8(ascii: "]") { return .success(next + 1) }
                    if level == 0 { return .failure(.nestedLongBracket(at: p)) }  // LUA_COMPAT_LSTR == 1
                    p = next + 1
                } else {
                    p = next
                }
            } else {
                p += 1
            }
        }
        return .failure(comment ? .unfinishedLongComment(at: open) : .unfinishedLongString(at: open))
    }

    /// read_string from the opening quote: the index after the closing quote.
    /// A line break ends it with an error unless escaped; `\` takes any byte
    /// after it (5.1 accepts unknown escapes), `\ddd` up to three digits ≤ 255,
    /// and `\` + CR LF / LF CR as one line break.
    static func closeString(_ b: UnsafeBufferPointer<UInt8>, from: Int) -> Result<Int, LuaTemplateError> {
        let quote = b[from]
        var p = from + 1
        while p < b.count {
            let c = b[p]
            if c == quote { return .success(p + 1) }
            if c == 0x0A || c == 0x0D { return .failure(.unfinishedString(at: from)) }
            p += 1
            guard c == UInt8(ascii: "\\"), p < b.count else { continue }
            let e = b[p]
            if e == 0x0A || e == 0x0D {  // inclinenumber
                p += 1
                if p < b.count, b[p] == 0x0A || b[p] == 0x0D, b[p] != e { p += 1 }
            } else if isDigit(e) {
                var value = 0, digits = 0
                while digits < 3, p < b.count, isDigit(b[p]) {
                    value = value * 10 + Int(b[p] - UInt8(ascii: "0"))
                    p += 1
                    digits += 1
                }
                if value > 255 { return .failure(.escapeTooLarge(at: p - digits - 1)) }
            } else {
                p += 1
            }
        }
        return .failure(.unfinishedString(at: from))
    }

    /// read_numeral's extent: digits and dots, then `e`/`E` with an optional
    /// sign, then letters, digits and `_` (so `3x` and `1..2` are one bad numeral).
    /// check_next tests `strchr("Ee", c)`, which also matches NUL: a NUL byte
    /// can stand for the `e` or the sign, and the numeral's C string ends there.
    static func numeralEnd(_ b: UnsafeBufferPointer<UInt8>, from: Int) -> Int {
        var p = from
        while p < b.count, isDigit(b[p]) || b[p] == UInt8(ascii: ".") { p += 1 }
        if p < b.count, b[p] | 0x20 == UInt8(ascii: "e") || b[p] == 0 {
            p += 1
            if p < b.count, b[p] == UInt8(ascii: "+") || b[p] == UInt8(ascii: "-") || b[p] == 0 { p += 1 }
        }
        while p < b.count, isNameByte(b[p]) { p += 1 }
        return p
    }

    /// luaO_str2d with glibc's strtod (and strtoul for `0x`): accepts exactly
    /// `digits[.digits]` or `.digits`, with an optional `e[±]digits`, or
    /// `0x` hex digits with an optional `p` + digits (C99 hex floats, which
    /// strtod reads). Anything left over makes the numeral malformed.
    static func isValidNumeral(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Bool {
        var p = r.lowerBound
        var end = r.lowerBound  // strtod reads a C string: up to a NUL
        while end < r.upperBound, b[end] != 0 { end += 1 }
        if end - p >= 2, b[p] == UInt8(ascii: "0"), b[p + 1] | 0x20 == UInt8(ascii: "x") {
            p += 2
            let digits = p
            while p < end, isHexDigit(b[p]) { p += 1 }
            guard p > digits else { return false }
            if p < end, b[p] | 0x20 == UInt8(ascii: "p") { return digitsRun(b, p + 1, end) == end && p + 1 < end }
            return p == end
        }
        var digits = 0
        while p < end, isDigit(b[p]) { p += 1; digits += 1 }
        if p < end, b[p] == UInt8(ascii: ".") {
            p += 1
            while p < end, isDigit(b[p]) { p += 1; digits += 1 }
        }
        guard digits > 0 else { return false }
        if p < end, b[p] | 0x20 == UInt8(ascii: "e") {
            p += 1
            if p < end, b[p] == UInt8(ascii: "+") || b[p] == UInt8(ascii: "-") { p += 1 }
            guard p < end, isDigit(b[p]) else { return false }
            p = digitsRun(b, p, end)
        }
        return p == end
    }

    private static func digitsRun(_ b: UnsafeBufferPointer<UInt8>, _ from: Int, _ end: Int) -> Int {
        var p = from
        while p < end, isDigit(b[p]) { p += 1 }
        return p
    }

    /// check_next(ls, ".") is `strchr(".", c)`, true for NUL as well.
    @inline(__always) static func isDotOrNUL(_ c: UInt8) -> Bool { c == UInt8(ascii: ".") || c == 0 }
    @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c &- UInt8(ascii: "0") < 10 }
    @inline(__always) static func isAlpha(_ c: UInt8) -> Bool { (c | 0x20) &- UInt8(ascii: "a") < 26 }
    @inline(__always) static func isNameByte(_ c: UInt8) -> Bool { isDigit(c) || isAlpha(c) || c == UInt8(ascii: "_") }
    @inline(__always) static func isHexDigit(_ c: UInt8) -> Bool { isDigit(c) || (c | 0x20) &- UInt8(ascii: "a") < 6 }
}

/// Finds `redis|server . call|pcall ( <command> , <string> ,|)` in the token
/// stream (comments and whitespace between tokens are skipped by the lexer)
/// and marks that string as a key: the first argument after the command name,
/// when the literal is the whole argument. The command is one token (a string
/// or a name); `redis.call(ARGV[1], 'k')` is not recognised.
struct KeyArgumentTracker {
    enum Name { case object, call, other }
    enum Token { case name(Name), dot, open, comma, close, string(Int), number, other }

    private var state = 0
    private var pending = 0

    static func classify(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Name {
        let word = UnsafeBufferPointer(rebasing: b[r])
        if word.elementsEqual("redis".utf8) || word.elementsEqual("server".utf8) { return .object }
        if word.elementsEqual("call".utf8) || word.elementsEqual("pcall".utf8) { return .call }
        return .other
    }

    mutating func feed(_ token: Token, _ literals: inout [LuaLiteral]) {
        switch (state, token) {
        case (1, .dot), (3, .open), (5, .comma): state += 1
        case (2, .name(.call)): state = 3
        case (4, .string), (4, .name): state = 5
        case (6, .string(let index)): pending = index; state = 7
        case (7, .comma), (7, .close): literals[pending].isKeyPosition = true; state = 0
        default:
            if case .name(.object) = token { state = 1 } else { state = 0 }
        }
    }
}
