// libFuzzer target for the RESP reply parser `verify` reads servers with: every
// input is what a server might send. It must end in replies or a protocol
// error; a crash (deep nesting once overflowed the stack), hang or huge
// allocation is a bug.
import FuzzDriver
import ScriptSim

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRESPReplies(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    switch FuzzEntryPoints.respReplies(UnsafeRawBufferPointer(start: data, count: size)) {
    case .success(let n): if n < 0 { fatalError("negative reply count") }
    case .failure(let e): if e.message.isEmpty { fatalError("an error without a message") }
    }
    return 0
}

@_cdecl("FuzzRESPReplies_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv, fuzzRESPReplies)
}
