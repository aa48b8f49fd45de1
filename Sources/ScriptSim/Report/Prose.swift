/// Text folded for a terminal: reports and listings keep to a width a
/// terminal shows without wrapping mid-word.
public enum Prose {
    /// Prose lines folded at word boundaries to fit `width` columns, continuation indented.
    public static func wrap(_ text: String, width: Int = 100, indent: String) -> String {
        let lead = String(text.prefix { $0 == " " })
        var lines: [String] = []
        var line = lead
        for word in text.dropFirst(lead.count).split(separator: " ", omittingEmptySubsequences: false) {
            let candidate = line.count == lead.count && lines.isEmpty ? line + word : line + " " + word
            if candidate.count > width, line.count > lead.count {
                lines.append(line)
                line = indent + word
            } else {
                line = candidate
            }
        }
        lines.append(line)
        return lines.joined(separator: "\n")
    }
}
