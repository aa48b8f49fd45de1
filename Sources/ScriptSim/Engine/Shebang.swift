/// Redis's script shebang (`#!lua flags=no-writes,allow-oom`), checked the
/// way `src/eval.c:evalExtractShebangFlags` checks it, with its messages.
///
/// A script with an invalid shebang is refused before it is compiled, so it is
/// never cached. A valid shebang line is not compiled, but its line feed is
/// kept so that error line numbers match the user's.
enum Shebang {
    /// Flags Redis knows (`scripts_flags_def` in src/script.c).
    static let knownFlags: Set<String> = ["no-writes", "allow-oom", "allow-stale", "no-cluster", "allow-cross-slot-keys"]

    /// Where compilation starts (0 without a shebang), or Redis's error message.
    static func codeOffset(_ body: UnsafeBufferPointer<UInt8>) -> Result<Int, ShebangError> {
        guard body.count >= 2, body[0] == UInt8(ascii: "#"), body[1] == UInt8(ascii: "!") else { return .success(0) }
        guard let nl = body.firstIndex(of: 0x0A) else { return .failure(ShebangError("Invalid script shebang")) }
        let line = String(decoding: UnsafeBufferPointer(rebasing: body[0..<nl]), as: UTF8.self)
        let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
        guard let engine = parts.first else { return .failure(ShebangError("Invalid engine in script shebang")) }
        guard engine == "#!lua" else {
            return .failure(ShebangError("Unexpected engine in script shebang: \(engine)"))
        }
        for option in parts.dropFirst() {
            guard option.hasPrefix("flags=") else {
                return .failure(ShebangError("Unknown lua shebang option: \(option)"))
            }
            for flag in option.dropFirst(6).split(separator: ",") where !knownFlags.contains(String(flag)) {
                return .failure(ShebangError("Unexpected flag in script shebang: \(flag)"))
            }
        }
        return .success(nl)
    }
}

struct ShebangError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}
