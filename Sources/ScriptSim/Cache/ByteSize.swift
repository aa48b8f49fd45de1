import Foundation

/// Sizes as users write them: 512, 64KiB, 8MiB, 1GiB (binary), 1.5MB (decimal).
public enum ByteSize {
    private static let units: [(suffix: String, factor: Double)] = [
        ("kib", 1024), ("mib", 1024 * 1024), ("gib", 1024 * 1024 * 1024), ("tib", 1024 * 1024 * 1024 * 1024),
        ("pib", 1_125_899_906_842_624), ("eib", 1_152_921_504_606_846_976),
        ("kb", 1e3), ("mb", 1e6), ("gb", 1e9), ("tb", 1e12), ("pb", 1e15), ("eb", 1e18), ("b", 1),
    ]

    /// Bytes, or nil when `text` is not a non-negative size.
    public static func parse(_ text: String) -> Int? {
        let lower = text.lowercased().trimmingCharacters(in: .whitespaces)
        for unit in units where lower.hasSuffix(unit.suffix) {
            let number = lower.dropLast(unit.suffix.count).trimmingCharacters(in: .whitespaces)
            guard let v = Double(number), v >= 0, v.isFinite else { return nil }
            let bytes = (v * unit.factor).rounded()
            return bytes < 9e18 ? Int(bytes) : nil
        }
        return Int(lower).flatMap { $0 >= 0 ? $0 : nil }
    }

    /// Why `text` is not a size users can give, or nil when it is one of at least 1 byte.
    public static func problem(_ text: String) -> String? {
        if let n = parse(text), n >= 1 { return nil }
        let lower = text.lowercased().trimmingCharacters(in: .whitespaces)
        var magnitude = Double(lower)
        if let unit = units.first(where: { lower.hasSuffix($0.suffix) }) {
            magnitude = Double(lower.dropLast(unit.suffix.count).trimmingCharacters(in: .whitespaces)).map { $0 * unit.factor }
        }
        if let m = magnitude, m.isFinite, m >= 9e18 { return "is too large (at most 8EiB less one byte)" }
        return "must be a size of at least 1 byte (512, 64KiB, 8MiB, 1GiB, 1.5MB)"
    }

    /// The shortest exact form: 1048576 -> "1MiB", 1500 -> "1500".
    public static func format(_ bytes: Int) -> String {
        for (suffix, unit) in [("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)]
        where bytes >= unit && bytes % unit == 0 {
            return "\(bytes / unit)\(suffix)"
        }
        return String(bytes)
    }
}
