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
        // The line is split with sdssplitargs: quotes and escapes as in a trace
        // line; unbalanced quotes give no parts. (An unknown escape, which
        // sdssplitargs keeps as its letter, is refused here as well.)
        let splitter = ArgumentSplitter()
        guard (try? splitter.split(UnsafeBufferPointer(rebasing: body[0..<nl]), from: 0)) != nil, !splitter.arguments.isEmpty else {
            return .failure(ShebangError("Invalid engine in script shebang"))
        }
        let parts = (0..<splitter.arguments.count).map { String(decoding: splitter.argument($0), as: UTF8.self) }
        switch dialect {
        case .redis:
            guard parts[0] == "#!lua" else { return .failure(ShebangError("Unexpected engine in script shebang: \(parts[0])")) }
        case .valkey:
            let engine = parts[0].hasPrefix("#!") ? String(parts[0].dropFirst(2)) : parts[0]
            guard engine.lowercased() == "lua" else { return .failure(ShebangError("Could not find scripting engine '\(engine)'")) }
        }
        var flags = Set<String>()
        for option in parts.dropFirst() {
            guard option.hasPrefix("flags=") else {
                return .failure(ShebangError("Unknown lua shebang option: \(option)"))
            }
            // sdssplitlen: "" gives no flags; "a,", ",a" and "a,,b" give an empty one, which is unknown.
            let list = option.dropFirst(6)
            guard !list.isEmpty else { continue }
            for flag in list.split(separator: ",", omittingEmptySubsequences: false) {
                guard knownFlags.contains(String(flag)) else {
                    return .failure(ShebangError("Unexpected flag in script shebang: \(flag)"))
                }
                flags.insert(String(flag))
            }
        }
        return .success(Parsed(codeOffset: nl, hasShebang: true, flags: flags))
    }
}

struct ShebangError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}
