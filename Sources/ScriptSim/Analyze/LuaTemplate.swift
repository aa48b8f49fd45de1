/// Templates of EVAL bodies: the same program with different literals.
///
/// Applications that write values into the script body (`local arg = 'v1803…'`)
/// send a new script on every call; to the server each one is a distinct script
/// to compile and cache. Replacing each literal — numbers, quoted strings and
/// long-bracket strings — by a placeholder groups those bodies back into the
/// program they come from. Literals are found by `LuaLexer`, which follows Lua
/// 5.1.5's own lexer (llex.c), so a number or quote inside a comment is not a
/// literal, and comments and whitespace count as they are.

/// One number or string literal of a body.
public struct LuaLiteral: Equatable, Sendable {
    public enum Kind: String, Sendable { case number, string }
    public var kind: Kind
    /// Byte range of the literal in the body (quotes/brackets included for strings).
    /// A minus sign before a number is an operator, not part of the literal.
    public var range: Range<Int>
    /// Whether this string literal sits where a key name goes: the whole first
    /// argument after the command name in redis.call / redis.pcall / server.call /
    /// server.pcall, e.g. the 'user:1' in redis.call('GET', 'user:1') — so a
    /// rewrite can pass it in KEYS instead of ARGV. ('user:' .. id is not one:
    /// the literal is only part of the key.)
    public var isKeyPosition: Bool

    public init(kind: Kind, range: Range<Int>, isKeyPosition: Bool = false) {
        self.kind = kind
        self.range = range
        self.isKeyPosition = isKeyPosition
    }
}

/// A body with its literals taken out.
///
/// Equality and hashing use `key` only: two templates are equal when their
/// bodies are the same program, whatever their literals. `literals` locates the
/// literals of the body this template was made from.
public struct LuaTemplate: Hashable, Sendable {
    /// Injective key: equal keys ⇔ the bodies are byte-identical outside literals
    /// and have literals of the same kinds at the same places. The body's bytes
    /// outside literals, with each literal as the marker 0xFF 's' or 0xFF 'n';
    /// a 0xFF byte of the body is written 0xFF 0xFF, so a comment (or any text)
    /// holding marker bytes can never pass for a literal. 0xFF never occurs in
    /// UTF-8, so this escape is rare and the key is usually the body's length
    /// minus its literals plus two bytes a literal.
    public var key: [UInt8]
    /// In body order.
    public var literals: [LuaLiteral]

    public init(key: [UInt8], literals: [LuaLiteral]) {
        self.key = key
        self.literals = literals
    }

    public static func == (a: LuaTemplate, b: LuaTemplate) -> Bool { a.key == b.key }
    public func hash(into hasher: inout Hasher) { hasher.combine(key) }

    /// The placeholder for literal `i` (0-based, body order): `$s` or `$n` and
    /// the literal's 1-based number among literals of its kind — `$s2` is the
    /// second string. `$` is no Lua token, so outside comments a placeholder
    /// cannot be mistaken for code, and it stays ASCII for terminal tables.
    public func placeholder(_ i: Int) -> String {
        let kind = literals[i].kind
        let ordinal = literals[...i].lazy.filter { $0.kind == kind }.count
        return (kind == .string ? "$s" : "$n") + String(ordinal)
    }

    /// Readable form: the body with each literal replaced by its placeholder
    /// (`local arg = $s1`, `redis.call($s2, KEYS[1] .. $s3, $n1, $n2)`). Not
    /// injective (a comment may say `$s1`); group by `key` or by the template.
    public var readable: String {
        var out: [UInt8] = []
        out.reserveCapacity(key.count + 8)
        var strings = 0, numbers = 0, i = 0
        while i < key.count {
            let c = key[i]
            i += 1
            guard c == LuaTemplate.marker, i < key.count else { out.append(c); continue }
            let tag = key[i]
            i += 1
            switch tag {
            case LuaTemplate.stringTag: strings += 1; out.append(contentsOf: "$s\(strings)".utf8)
            case LuaTemplate.numberTag: numbers += 1; out.append(contentsOf: "$n\(numbers)".utf8)
            default: out.append(tag)  // an escaped 0xFF of the body
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static let marker: UInt8 = 0xFF
    static let stringTag = UInt8(ascii: "s")
    static let numberTag = UInt8(ascii: "n")
}

/// Why a body is not valid Lua 5.1 at the lexical level (it would not compile).
/// Offsets are 0-based byte offsets into the body; the message is Lua's own.
public enum LuaTemplateError: Error, Equatable, Sendable {
    /// A quoted string that meets a line break or the end of the body; at its opening quote.
    case unfinishedString(at: Int)
    /// `[[` / `[==[` without its closing bracket; at the opening bracket.
    case unfinishedLongString(at: Int)
    /// `--[[` / `--[==[` without its closing bracket; at the `--`.
    case unfinishedLongComment(at: Int)
    /// `[=` or `[==` not followed by `[`; at the `[`.
    case invalidLongStringDelimiter(at: Int)
    /// `[[` inside a level-0 long string or comment (LUA_COMPAT_LSTR 1); at the inner `[[`.
    case nestedLongBracket(at: Int)
    /// `\ddd` above 255; at the backslash.
    case escapeTooLarge(at: Int)
    /// A numeral strtod does not read whole (`1..2`, `3x`, `0x`, `1e+`); at its first byte.
    case malformedNumber(at: Int)

    public var offset: Int {
        switch self {
        case .unfinishedString(let at), .unfinishedLongString(let at), .unfinishedLongComment(let at),
             .invalidLongStringDelimiter(let at), .nestedLongBracket(let at), .escapeTooLarge(let at),
             .malformedNumber(let at):
            return at
        }
    }

    public var message: String {
        switch self {
        case .unfinishedString: return "unfinished string"
        case .unfinishedLongString: return "unfinished long string"
        case .unfinishedLongComment: return "unfinished long comment"
        case .invalidLongStringDelimiter: return "invalid long string delimiter"
        case .nestedLongBracket: return "nesting of [[...]] is deprecated"
        case .escapeTooLarge: return "escape sequence too large"
        case .malformedNumber: return "malformed number"
        }
    }
}

public enum LuaTokenizer {
    /// The template of `body`, or the first lexical error Lua 5.1 would report.
    /// Linear in the body; allocates only the key and the literal list.
    public static func template(of body: UnsafeBufferPointer<UInt8>) -> Result<LuaTemplate, LuaTemplateError> {
        var literals: [LuaLiteral] = []
        if let error = LuaLexer.scan(body, literals: &literals) { return .failure(error) }
        var key: [UInt8] = []
        key.reserveCapacity(body.count + 2)
        var from = 0
        for literal in literals {
            appendEscaped(body, from..<literal.range.lowerBound, to: &key)
            key.append(LuaTemplate.marker)
            key.append(literal.kind == .string ? LuaTemplate.stringTag : LuaTemplate.numberTag)
            from = literal.range.upperBound
        }
        appendEscaped(body, from..<body.count, to: &key)
        return .success(LuaTemplate(key: key, literals: literals))
    }

    public static func template(of body: [UInt8]) -> Result<LuaTemplate, LuaTemplateError> {
        body.withUnsafeBufferPointer { template(of: $0) }
    }

    /// The body with literal i replaced by replacements[i] (others kept), for
    /// suggesting a rewrite such as `ARGV[1]` or `KEYS[1]` in place of the
    /// varying literals. `template` must be the template of this body.
    public static func rewrite(_ body: UnsafeBufferPointer<UInt8>, template: LuaTemplate, replacements: [Int: String]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(body.count)
        var from = 0
        for (i, literal) in template.literals.enumerated() {
            guard let replacement = replacements[i], literal.range.lowerBound >= from,
                  literal.range.upperBound <= body.count else { continue }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: body[from..<literal.range.lowerBound]))
            out.append(contentsOf: replacement.utf8)
            from = literal.range.upperBound
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: body[from..<body.count]))
        return out
    }

    private static func appendEscaped(_ body: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, to key: inout [UInt8]) {
        var start = range.lowerBound
        for i in range where body[i] == LuaTemplate.marker {
            key.append(contentsOf: UnsafeBufferPointer(rebasing: body[start...i]))
            key.append(LuaTemplate.marker)
            start = i + 1
        }
        key.append(contentsOf: UnsafeBufferPointer(rebasing: body[start..<range.upperBound]))
    }
}
