// libFuzzer target for the trace reader: every input is a whole trace file.
// It must end in a result or a located TraceError; any crash, hang or leak is a bug.
#if canImport(Glibc)
import Glibc
#endif
import FuzzDriver
import ScriptSim

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTraceReader(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    // The reader reads files: hand it an unlinked temporary one.
    guard let file = tmpfile() else { return 0 }
    defer { fclose(file) }
    let fd = fileno(file)
    var written = 0
    while written < size {
        let n = write(fd, data + written, size - written)
        if n <= 0 { return 0 }
        written += n
    }
    lseek(fd, 0, SEEK_SET)
    do {
        let reader = try TraceReader(path: "/proc/self/fd/\(fd)",
                                     options: TraceReaderOptions(skipInvalid: size % 2 == 0, maxLineBytes: 1 << 16))
        var checksum = 0
        try reader.forEachCommand { command in
            checksum &+= command.payload.count &+ command.argumentCount
            for i in 0..<command.argumentCount { checksum &+= Int(command.argument(i).first ?? 0) }
            if command.kind == .eval || command.kind == .scriptLoad { checkTemplate(command.payload) }
        }
        if checksum == 42, reader.summary.lines < 0 { abort() }   // keep the work observable
    } catch let e as TraceError {
        // A located, one-line error is the expected answer to bad input.
        if e.kind == .malformed, e.line < 1 { abort() }
    } catch {
        abort()   // nothing else may escape the reader
    }
    return 0
}

/// analyze's tokenizer on every body: literal ranges in order and in bounds,
/// and a rewrite that puts each literal back gives the body byte for byte.
func checkTemplate(_ body: UnsafeBufferPointer<UInt8>) {
    guard case .success(let template) = LuaTokenizer.template(of: body) else { return }
    var end = 0
    var same: [Int: String] = [:]
    for (i, literal) in template.literals.enumerated() {
        if literal.range.lowerBound < end || literal.range.upperBound > body.count || literal.range.isEmpty { abort() }
        end = literal.range.upperBound
        guard let text = String(validating: body[literal.range], as: UTF8.self) else { return }
        same[i] = text
    }
    if LuaTokenizer.rewrite(body, template: template, replacements: same) != Array(body) { abort() }
}

@_cdecl("FuzzTraceReader_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv, fuzzTraceReader)
}
