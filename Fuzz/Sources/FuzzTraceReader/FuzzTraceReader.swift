// libFuzzer target for the trace reader: every input is a whole trace file.
// It must end in a result or a located TraceError; any crash, hang or leak is a
// bug, and so is any difference between a serial read and one in pieces.
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
    let path = "/proc/self/fd/\(fd)"
    let serial = readTrace(path, skipInvalid: size % 2 == 0, threads: 1, pieceBytes: 1 << 20, checkBodies: true)
    // The same file parsed in small pieces on two threads: exactly the same
    // commands, line numbers, offsets, counts and first error.
    let pieces = readTrace(path, skipInvalid: size % 2 == 0, threads: 2, pieceBytes: 1 + size % 61, checkBodies: false)
    if serial != pieces { abort() }
    // And through a pipe, as `<(zcat …)` or a FIFO gives it: the reader peeks the
    // first bytes to sniff compression and must hand them back unchanged.
    if size < 60_000, let piped = readThroughPipe(data, size, skipInvalid: size % 2 == 0), piped != serial { abort() }
    return 0
}

/// The same bytes read from the read end of a pipe (smaller than a pipe's buffer,
/// so one write fills it before the reader starts).
func readThroughPipe(_ data: UnsafePointer<UInt8>, _ size: Int, skipInvalid: Bool) -> Transcript? {
    var ends: [Int32] = [0, 0]
    guard pipe(&ends) == 0 else { return nil }
    var written = 0
    while written < size {
        let n = write(ends[1], data + written, size - written)
        if n <= 0 { close(ends[0]); close(ends[1]); return nil }
        written += n
    }
    close(ends[1])
    defer { close(ends[0]) }
    return readTrace("/proc/self/fd/\(ends[0])", skipInvalid: skipInvalid, threads: 2, pieceBytes: 1 << 20, checkBodies: false)
}

/// What a read handed out: a checksum of every command's bytes and place,
/// the summary, and the error it stopped at.
struct Transcript: Equatable {
    var checksum: UInt64 = 14_695_981_039_346_656_037
    var summary = TraceSummary()
    var error: TraceError?

    mutating func add(_ bytes: UnsafeBufferPointer<UInt8>) {
        for b in bytes { checksum = (checksum ^ UInt64(b)) &* 1_099_511_628_211 }
        add(bytes.count)
    }

    mutating func add(_ n: Int) { checksum = (checksum ^ UInt64(bitPattern: Int64(n))) &* 1_099_511_628_211 }
}

func readTrace(_ path: String, skipInvalid: Bool, threads: Int, pieceBytes: Int, checkBodies: Bool) -> Transcript {
    var t = Transcript()
    do {
        var options = TraceReaderOptions(skipInvalid: skipInvalid, maxLineBytes: 1 << 16, parseThreads: threads)
        options.pieceBytes = pieceBytes
        let reader = try TraceReader(path: path, options: options)
        reader.onInvalidLine = { e in t.add(e.line); t.add(e.column) }
        try reader.forEachCommand({ command in
            t.add(reader.lineNumber)
            t.add(Int(reader.bytesConsumed))
            t.add(Int(command.kind.rawValue))
            t.add(command.payload)
            t.add(command.connection)
            for i in 0..<command.argumentCount { t.add(command.argument(i)) }
            if checkBodies, command.kind == .eval || command.kind == .scriptLoad { checkTemplate(command.payload) }
        }, other: { command in
            t.add(reader.lineNumber)
            t.add(command.connection)
            t.add(command.argument)
        })
        t.summary = reader.summary
    } catch let e as TraceError {
        // A located, one-line error is the expected answer to bad input.
        if e.kind == .malformed, e.line < 1 { abort() }
        // Compared without its path: each read names its own /proc/self/fd/N.
        var located = e
        located.path = ""
        t.error = located
    } catch {
        abort()   // nothing else may escape the reader
    }
    return t
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
