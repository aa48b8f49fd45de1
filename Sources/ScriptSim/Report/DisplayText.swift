import Foundation

/// Bytes from a trace (a body, a client's name) as text a report can show.
///
/// `String(decoding:as:)` turns every byte that is not UTF-8 into U+FFFD, so
/// two bodies differing only there looked identical in analyze's examples.
/// Here valid UTF-8 is kept and each byte that is not is written `\xNN`, as
/// control bytes are (`ReportRenderer.visible`).
public enum DisplayText {
    public static func of<C: Collection>(_ bytes: C) -> String where C.Element == UInt8, C.Index == Int {
        var out = ""
        var iterator = bytes.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        var position = bytes.startIndex
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                out.unicodeScalars.append(Unicode.UTF8.decode(encoded))
                position += encoded.count
            case .error(let length):
                for byte in bytes[position..<(position + length)] { out += String(format: "\\x%02X", byte) }
                position += length
            case .emptyInput:
                return out
            }
        }
    }
}
