import Foundation

/// Splits a command line into arguments the way `redis-cli` and MONITOR output
/// expect (Redis's `sdssplitargs`), without allocating per line.
///
/// Rules, as in `sdssplitargs`:
/// - arguments are separated by blanks (space, tab, CR, LF, VT, FF);
/// - `"double quotes"` take `\" \\ \n \r \t \b \a` and `\xHH`;
/// - `'single quotes'` take `\'`; any other backslash is literal;
/// - a closing quote must be followed by a blank or the end of the line;
/// - a quote inside a bare word opens a quoted part of the same argument.
///
/// One deliberate difference: `sdssplitargs` turns an unknown escape such as
/// `\q` into `q`. MONITOR never writes one (it escapes with `sdscatrepr`), so in
/// a trace it means the line was damaged; it is reported, not guessed at.
final class ArgumentSplitter {
    /// One argument: its unescaped bytes are `bytes[range]`.
    struct Argument {
        var range: Range<Int>
        /// 1-based byte column of the argument's first character in the line.
        var column: Int
    }

    /// Unescaped argument bytes and their ranges, reused from line to line.
    /// Manually managed so that the pointers handed out stay valid until the
    /// next `split`.
    private var storage = ArgumentStorage()

    init() {}

    deinit { storage.deallocate() }

    var arguments: ArgumentList { storage.list }

    /// The bytes of argument `i`, valid until the next call to `split`.
    func argument(_ i: Int) -> UnsafeBufferPointer<UInt8> { storage.view(from: 0)[i] }

    /// The arguments of the last line split, valid until the next `split`.
    var view: TraceArguments { storage.view(from: 0) }

    /// Splits `line[start...]` (columns are 1-based positions in `line`).
    func split(_ line: UnsafeBufferPointer<UInt8>, from start: Int) throws(LineError) {
        // Work on a local copy: the class's stored property would cost a
        // dynamic exclusivity check on every byte appended (a quarter of the
        // replay's time in a profile); the copy is written back at the end.
        var local = storage
        local.removeAll()
        defer { storage = local }
        try Self.split(line, from: start, appendingTo: &local)
    }

    /// Splits `line[start...]`, appending its arguments to `storage` (a
    /// parsed piece keeps every line's arguments in one storage, uncopied).
    static func split(_ line: UnsafeBufferPointer<UInt8>, from start: Int, appendingTo storage: inout ArgumentStorage) throws(LineError) {
        var out = storage.bytes
        var args = storage.list
        defer {
            storage.bytes = out
            storage.list = args
        }
        let end = line.count
        // The unescaped arguments are never longer than the line; the slack
        // lets the word-at-a-time copy below store whole words.
        out.reserve(out.count + end + 8)
        var p = start
        while true {
            while p < end, Self.isBlank(line[p]) {
                // A carriage return inside a line (outside quotes) is a CR-only line end:
                // splitting on it as a blank would merge lines into one command.
                if line[p] == 0x0D {
                    throw LineError(column: p + 1, message: "carriage return inside the line: lines must end in LF or CRLF (CR-only line ends are not supported)")
                }
                p += 1
            }
            if p >= end { return }
            let argStart = out.count
            let column = p + 1
            var inDouble = false, inSingle = false
            var quoteColumn = 0
            var done = false
            while !done {
                if inDouble {
                    guard p < end else {
                        throw LineError(column: quoteColumn, message: "unterminated double-quoted argument")
                    }
                    // Runs without a quote or a backslash (nearly all of a body) are
                    // copied eight bytes at a time; the byte that stops a run is
                    // handled below. Byte by byte, this loop was a third of a replay.
                    if let base = line.baseAddress {
                        while p + 8 <= end {
                            let word = UnsafeRawPointer(base + p).loadUnaligned(as: UInt64.self)
                            let stops = Self.quoteOrBackslash(UInt64(littleEndian: word))
                            out.appendWord(word, keeping: stops == 0 ? 8 : stops.trailingZeroBitCount >> 3)
                            if stops != 0 { p += stops.trailingZeroBitCount >> 3; break }
                            p += 8
                        }
                        guard p < end else { continue }
                    }
                    let c = line[p]
                    if c == UInt8(ascii: "\\") {
                        guard p + 1 < end else {
                            throw LineError(column: quoteColumn, message: "unterminated double-quoted argument")
                        }
                        let e = line[p + 1]
                        switch e {
                        case UInt8(ascii: "x"):
                            guard p + 3 < end, let hi = Self.hexValue(line[p + 2]), let lo = Self.hexValue(line[p + 3]) else {
                                throw LineError(column: p + 1, message: "invalid \\x escape: expected two hex digits")
                            }
                            out.append(hi << 4 | lo)
                            p += 4
                            continue
                        case UInt8(ascii: "n"): out.append(0x0A)
                        case UInt8(ascii: "r"): out.append(0x0D)
                        case UInt8(ascii: "t"): out.append(0x09)
                        case UInt8(ascii: "b"): out.append(0x08)
                        case UInt8(ascii: "a"): out.append(0x07)
                        case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(e)
                        default:
                            throw LineError(column: p + 1, message: "invalid escape '\\\(Self.printable(e))' in double-quoted argument")
                        }
                        p += 2
                    } else if c == UInt8(ascii: "\"") {
                        try Self.checkClosingQuote(line, at: p)
                        p += 1
                        done = true
                    } else {
                        out.append(c)
                        p += 1
                    }
                } else if inSingle {
                    guard p < end else {
                        throw LineError(column: quoteColumn, message: "unterminated single-quoted argument")
                    }
                    let c = line[p]
                    if c == UInt8(ascii: "\\"), p + 1 < end, line[p + 1] == UInt8(ascii: "'") {
                        out.append(UInt8(ascii: "'"))
                        p += 2
                    } else if c == UInt8(ascii: "'") {
                        try Self.checkClosingQuote(line, at: p)
                        p += 1
                        done = true
                    } else {
                        out.append(c)
                        p += 1
                    }
                } else {
                    if p >= end { done = true; break }
                    let c = line[p]
                    switch c {
                    case _ where Self.isBlank(c):
                        done = true
                    case UInt8(ascii: "\""):
                        inDouble = true
                        quoteColumn = p + 1
                        p += 1
                    case UInt8(ascii: "'"):
                        inSingle = true
                        quoteColumn = p + 1
                        p += 1
                    default:
                        out.append(c)
                        p += 1
                    }
                }
            }
            args.append(Argument(range: argStart..<out.count, column: column))
        }
    }

    /// A closing quote must end the argument: a blank or the end of the line follows.
    static func checkClosingQuote(_ line: UnsafeBufferPointer<UInt8>, at p: Int) throws(LineError) {
        if p + 1 < line.count, !isBlank(line[p + 1]) {
            throw LineError(column: p + 2, message: "closing quote must be followed by a space")
        }
    }

    /// The high bit of each byte of `word` (first byte lowest) that is a double
    /// quote or a backslash: exact for the lowest such byte, which is all the
    /// splitter asks (the classic zero-byte test on `word ^ repeated byte`).
    @inline(__always)
    static func quoteOrBackslash(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        let q = word ^ (ones &* 0x22), b = word ^ (ones &* 0x5C)
        return ((q &- ones) & ~q | (b &- ones) & ~b) & highs
    }

    /// sdssplitargs's separators: `isspace()` in the C locale, plus NUL.
    @inline(__always)
    static func isBlank(_ c: UInt8) -> Bool {
        c == 0x20 || (c >= 0x09 && c <= 0x0D) || c == 0
    }

    @inline(__always)
    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    static func printable(_ c: UInt8) -> String {
        (0x21...0x7E).contains(c) ? String(UnicodeScalar(c)) : String(format: "x%02X", Int(c))
    }
}
