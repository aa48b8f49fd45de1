/// "Did you mean …?" for names users type: policies, their parameters,
/// subcommands, option values.
///
/// Written here rather than taken from a library: the argument parser keeps
/// its own edit distance internal, and the rule is a dozen lines. Names are
/// compared as users confuse them — case and `_`/`-`/`.` ignored
/// (`eval_lru`, `EVAL-LRU`, `redis_py`) — then by Damerau–Levenshtein
/// distance (a swap of two neighbours is one edit: `replya`), accepting at
/// most a third of the longer name and at least one edit.
public enum NearestName {
    /// The closest of `names` to `typed`, or nil when none is close enough to
    /// be what the user meant (or `typed` is one of them exactly).
    public static func nearest(to typed: String, among names: [String]) -> String? {
        let key = folded(typed)
        var best: (name: String, distance: Int)?
        for name in names where name != typed {
            let d = distance(key, folded(name))
            let allowed = max(1, max(key.count, name.count) / 3)
            if d <= allowed, d < (best?.distance ?? .max) { best = (name, d) }
        }
        return best?.name
    }

    /// " (did you mean 'eval-lru'?)", or "" when nothing is close.
    public static func hint(for typed: String, among names: [String]) -> String {
        nearest(to: typed, among: names).map { " (did you mean '\($0)'?)" } ?? ""
    }

    private static func folded(_ s: String) -> [UInt8] {
        s.lowercased().utf8.map { $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") ? UInt8(ascii: "-") : $0 }
    }

    /// Optimal-string-alignment distance (insert, delete, substitute, swap neighbours).
    static func distance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        let width = b.count + 1
        var rows = [[Int]](repeating: [Int](repeating: 0, count: width), count: a.count + 1)
        for j in 0...b.count { rows[0][j] = j }
        for i in 1...a.count {
            rows[i][0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var d = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { d = min(d, rows[i - 2][j - 2] + 1) }
                rows[i][j] = d
            }
        }
        return rows[a.count][b.count]
    }
}
