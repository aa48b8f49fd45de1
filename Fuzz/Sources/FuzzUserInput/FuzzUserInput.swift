// libFuzzer target for the small parsers users type into: policy specs
// (`--policy`), sizes, sweep ranges (`--vary`) and targets (`--target`),
// client names (`--client`). Each must answer a value or a typed error; a
// trap (an overflow once did) is a bug.
import FuzzDriver
import ScriptSim

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzUserInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzEntryPoints.userInput(String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self))
    return 0
}

@_cdecl("FuzzUserInput_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv, fuzzUserInput)
}
