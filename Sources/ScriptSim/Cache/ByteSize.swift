import Foundation

/// Sizes as users write them, with redis.conf's meaning of its own spellings.
///
/// Users copy limits out of redis.conf, where `memtoll` (Redis's and Valkey's
/// `util.c`) reads `1k` as 1000 bytes but `1kb` as 1024, `1m` as 1000000 and
/// `1mb` as 1048576, case-insensitively. A size written here means what it
/// means there, so `maxmemory-scripts 64mb` and `bytes=64mb` are the same
/// limit. IEC spellings (`KiB`, `MiB`, `GiB`) are binary too; the only decimal
/// units are the bare letters `k`, `m`, `g`, `t`. Unlike memtoll, a fraction is
/// accepted (`1.5mb` is 1.5 MiB, rounded to a byte).
public enum ByteSize {
    private static let units: [(suffix: String, factor: Double)] = [
        ("kib", 1024), ("mib", 1024 * 1024), ("gib", 1024 * 1024 * 1024), ("tib", 1024 * 1024 * 1024 * 1024),
        ("pib", 1_125_899_906_842_624), ("eib", 1_152_921_504_606_846_976),
        ("pb", 1_125_899_906_842_624), ("eb", 1_152_921_504_606_846_976),
        ("kb", 1024), ("mb", 1024 * 1024), ("gb", 1024 * 1024 * 1024), ("tb", 1024 * 1024 * 1024 * 1024),
        ("k", 1e3), ("m", 1e6), ("g", 1e9), ("t", 1e12), ("b", 1),
    ]

    /// The examples every message and help text shows.
    public static let examples = "512, 64kb, 8mb, 1gb, 64KiB, 1.5MiB, 2m (redis.conf's rule: kb/mb/gb and KiB/MiB/GiB are 1024-based, k/m/g 1000-based)"

    /// Bytes, or nil when `text` is not a non-negative size.
    public static func parse(_ text: String) -> Int? {
        guard let v = magnitude(text) else { return nil }
        let bytes = v.rounded()
        guard bytes >= 0, bytes < 9e18 else { return nil }
        // A plain number must be whole: "1.5" bytes is a typo, not a size.
        if units.first(where: { normalized(text).hasSuffix($0.suffix) }) == nil, bytes != v { return nil }
        return Int(bytes)
    }

    /// Why `text` is not a size users can give, or nil when it is one of at least 1 byte.
    public static func problem(_ text: String) -> String? {
        if let n = parse(text), n >= 1 { return nil }
        if let m = magnitude(text), m.isFinite, m >= 9e18 { return "is too large (at most 8EiB less one byte)" }
        return "must be a size of at least 1 byte (\(examples))"
    }

    /// The shortest exact form: 1048576 -> "1MiB", 1500 -> "1500".
    public static func format(_ bytes: Int) -> String {
        for (suffix, unit) in [("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)]
        where bytes >= unit && bytes % unit == 0 {
            return "\(bytes / unit)\(suffix)"
        }
        return String(bytes)
    }

    private static func normalized(_ text: String) -> String {
        text.lowercased().trimmingCharacters(in: .whitespaces)
    }

    /// The number times its unit, before rounding; nil when it is not a finite
    /// non-negative number with an optional unit.
    private static func magnitude(_ text: String) -> Double? {
        let lower = normalized(text)
        var number = Substring(lower)
        var factor = 1.0
        if let unit = units.first(where: { lower.hasSuffix($0.suffix) }) {
            number = lower.dropLast(unit.suffix.count)
            factor = unit.factor
        }
        let digits = number.trimmingCharacters(in: .whitespaces)
        // Double() would take "inf", "nan", "0x1p3" and "1e3": sizes are digits and one point.
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
              digits.filter({ $0 == "." }).count <= 1, digits != ".",
              let v = Double(digits), v.isFinite else { return nil }
        return v * factor
    }
}
