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

@_cdecl("FuzzTraceReader_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv, fuzzTraceReader)
}
