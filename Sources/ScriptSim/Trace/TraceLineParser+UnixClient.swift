/// The client field of a MONITOR prefix, where it is not one word.
extension TraceLineParser {
    /// MONITOR prints a Unix-socket client as `unix:<path>` with the path unescaped
    /// (`replicationFeedMonitors`), so a path may hold blanks: `[0 unix:/run/redis a.sock]`.
    static func hasUnixPrefix(_ line: UnsafeBufferPointer<UInt8>, at p: Int, end: Int) -> Bool {
        guard end - p >= 5 else { return false }
        return line[p] == UInt8(ascii: "u") && line[p + 1] == UInt8(ascii: "n") && line[p + 2] == UInt8(ascii: "i")
            && line[p + 3] == UInt8(ascii: "x") && line[p + 4] == UInt8(ascii: ":")
    }

    /// The index just past the `]` that closes a `unix:` client: the first `]` followed by
    /// blanks and a quoted argument (MONITOR quotes every argument), else the first `]`
    /// followed by a blank or the end, else the end (reported as unterminated).
    static func endOfUnixClient(_ line: UnsafeBufferPointer<UInt8>, from start: Int, end: Int) -> Int {
        var fallback: Int?
        var i = start
        while i < end {
            if line[i] == UInt8(ascii: "]") {
                var j = i + 1
                if j == end { return fallback ?? j }
                if ArgumentSplitter.isBlank(line[j]) {
                    if fallback == nil { fallback = j }
                    while j < end, ArgumentSplitter.isBlank(line[j]) { j += 1 }
                    if j < end, line[j] == UInt8(ascii: "\"") { return i + 1 }
                }
            }
            i += 1
        }
        return fallback ?? end
    }
}
