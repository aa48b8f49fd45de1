/// Redis's script shebang (`#!lua flags=no-writes,allow-oom`), checked the
/// way `src/eval.c:evalExtractShebangFlags` checks it, with its messages.
///
/// A script with an invalid shebang is refused before it is compiled, so it is
/// never cached. A valid shebang line is not compiled, but its line feed is
/// kept so that error line numbers match the user's.
public enum Shebang {
    /// Flags Redis knows (`scripts_flags_def` in src/script.c).
    static let knownFlags: Set<String> = ["no-writes", "allow-oom", "allow-stale", "no-cluster", "allow-cross-slot-keys"]

    /// How the modeled server reads the engine name.
    public enum Dialect: Sendable {
        /// Redis 7.0+ and Valkey 8.0: exactly `#!lua`, else "Unexpected engine in script shebang".
        case redis
        /// Valkey 9 (scripting engines): the name after `#!` in any case, else
        /// "Could not find scripting engine '<name>'" (measured on Valkey 9.1.2).
        case valkey
    }

    struct Parsed {
        /// Where compilation starts (0 without a shebang: the line feed is kept).
        var codeOffset: Int
        /// A `#!` line was present (the script is not in EVAL compatibility mode).
        var hasShebang: Bool
        var flags: Set<String>

        /// EVAL_RO / EVALSHA_RO refuse it: a shebang script without `no-writes`
        /// ("Can not execute a script with write flag using *_ro command", src/script.c).
        var refusesReadOnly: Bool { hasShebang && !flags.contains("no-writes") }
    }

    /// Where compilation starts (0 without a shebang), or Redis's error message.
    static func codeOffset(_ body: UnsafeBufferPointer<UInt8>, dialect: Dialect = .redis) -> Result<Int, ShebangError> {
        parse(body, dialect: dialect).map(\.codeOffset)
    }

    static func parse(_ body: UnsafeBufferPointer<UInt8>, dialect: Dialect = .redis) -> Result<Parsed, ShebangError> {
        guard body.count >= 2, body[0] == UInt8(ascii: "#"), body[1] == UInt8(ascii: "!") else {
            return .success(Parsed(codeOffset: 0, hasShebang: false, flags: []))
        }
        // strchr(body, '\n'): a NUL before the line feed ends the search.
        guard let nl = body.firstIndex(where: { $0 == 0x0A || $0 == 0 }), body[nl] == 0x0A else {
            return .failure(ShebangError("Invalid script shebang"))
        }
        // Redis: sdssplitargs; Valkey 9: sdsnsplitargs (src/sds.c). Not the trace
        // splitter, which refuses what a damaged trace line has (a CR, `\q`).
        guard let parts = splitArguments(UnsafeBufferPointer(rebasing: body[0..<nl]), dialect: dialect), !parts.isEmpty,
              dialect == .redis || parts[0].count >= 2 else {
            return .failure(ShebangError("Invalid engine in script shebang"))
        }
        // The server compares and prints each part as a C string: up to a NUL (`\x00`).
        func text(_ bytes: some Collection<UInt8>) -> String { String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self) }
        if dialect == .redis, text(parts[0]) != "#!lua" {
            return .failure(ShebangError("Unexpected engine in script shebang: \(text(parts[0]))"))
        }
        var flags = Set<String>()
        for option in parts.dropFirst() {
            guard text(option).hasPrefix("flags=") else {
                return .failure(ShebangError("Unknown lua shebang option: \(text(option))"))
            }
            // sdssplitlen over the whole rest (bytes after a NUL too): "" gives no flags;
            // "a,", ",a" and "a,,b" give an empty one, which is unknown.
            let list = option.dropFirst(6)
            guard !list.isEmpty else { continue }
            for flag in list.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
                let name = text(flag)
                guard knownFlags.contains(name) else {
                    return .failure(ShebangError("Unexpected flag in script shebang: \(name)"))
                }
                flags.insert(name)
            }
        }
        if dialect == .valkey {
            // Valkey looks the engine up after the options (src/eval.c evalRegisterNewScript).
            let engine = text(parts[0].dropFirst(2))
            guard engine.lowercased() == "lua" else { return .failure(ShebangError("Could not find scripting engine '\(engine)'")) }
        }
        return .success(Parsed(codeOffset: nl, hasShebang: true, flags: flags))
    }

    /// `isspace` in the C locale (the servers set only LC_COLLATE): what separates tokens.
    @inline(__always)
    static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || (c >= 0x09 && c <= 0x0D) }

    /// The shebang line (no LF, no NUL) split as the server splits it; nil where it fails.
    /// - Blanks between tokens: `isspace` (space, \t, \n, \v, \f, \r).
    /// - A bare token ends only at space, \t, \n, \r: a \v or \f joins it.
    /// - In double quotes `\xHH`, and `\n \r \t \b \a`; any other escaped byte stands for itself.
    ///   In single quotes only `\'`.
    /// - Redis: a closing quote must be followed by a blank or the end, else the split fails.
    ///   Valkey 9 (sdsparsearg): the token goes on after the closing quote, and an escape
    ///   needs a byte after it (`"a\"` at the end of the line is `a\`).
    static func splitArguments(_ line: UnsafeBufferPointer<UInt8>, dialect: Dialect) -> [[UInt8]]? {
        let n = line.count
        let slack = dialect == .valkey ? 1 : 0
        var parts: [[UInt8]] = []
        var p = 0
        while true {
            while p < n, isSpace(line[p]) { p += 1 }
            if p >= n { return parts }
            var token: [UInt8] = []
            var inDouble = false, inSingle = false
            scan: while true {
                if inDouble {
                    guard p < n else { return nil }
                    let c = line[p]
                    if c == UInt8(ascii: "\\"), p + 3 + slack < n, line[p + 1] == UInt8(ascii: "x"),
                       let hi = ArgumentSplitter.hexValue(line[p + 2]), let lo = ArgumentSplitter.hexValue(line[p + 3]) {
                        token.append(hi << 4 | lo)
                        p += 4
                    } else if c == UInt8(ascii: "\\"), p + 1 + slack < n {
                        switch line[p + 1] {
                        case UInt8(ascii: "n"): token.append(0x0A)
                        case UInt8(ascii: "r"): token.append(0x0D)
                        case UInt8(ascii: "t"): token.append(0x09)
                        case UInt8(ascii: "b"): token.append(0x08)
                        case UInt8(ascii: "a"): token.append(0x07)
                        case let e: token.append(e)
                        }
                        p += 2
                    } else if c == UInt8(ascii: "\"") {
                        p += 1
                        if dialect == .valkey { inDouble = false } else if p < n, !isSpace(line[p]) { return nil } else { break scan }
                    } else {
                        token.append(c)
                        p += 1
                    }
                } else if inSingle {
                    guard p < n else { return nil }
                    let c = line[p]
                    if c == UInt8(ascii: "\\"), p + 1 + slack < n, line[p + 1] == UInt8(ascii: "'") {
                        token.append(UInt8(ascii: "'"))
                        p += 2
                    } else if c == UInt8(ascii: "'") {
                        p += 1
                        if dialect == .valkey { inSingle = false } else if p < n, !isSpace(line[p]) { return nil } else { break scan }
                    } else {
                        token.append(c)
                        p += 1
                    }
                } else {
                    guard p < n else { break scan }
                    let c = line[p]
                    p += 1
                    switch c {
                    case 0x20, 0x09, 0x0A, 0x0D: break scan
                    case UInt8(ascii: "\""): inDouble = true
                    case UInt8(ascii: "'"): inSingle = true
                    default: token.append(c)
                    }
                }
                if dialect == .valkey, p >= n {  // sdsparsearg's end check
                    if inDouble || inSingle { return nil }
                    break scan
                }
            }
            parts.append(token)
        }
    }
}

struct ShebangError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}
