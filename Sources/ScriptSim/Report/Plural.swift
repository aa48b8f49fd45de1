/// "1 limit", "2 limits": a count and its noun, for messages and reports.
func plural(_ count: Int, _ noun: String) -> String { "\(count) \(noun)\(count == 1 ? "" : "s")" }
