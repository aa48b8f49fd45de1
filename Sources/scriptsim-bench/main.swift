// scriptsim-bench: the baselines bench/run measures scriptsim against.
//
//   scriptsim-bench hash TRACE [N] read the trace and SHA1 every body, no cache (the hit-path floor);
//                                  N: parse threads, as scriptsim's --parse-threads (default 0: one per core, at most 4)
//   scriptsim-bench compile TRACE  compile every EVAL body in a tight loop on one VM (the miss-path floor)
//   scriptsim-bench compile-kept TRACE
//                                  the same, keeping the 500 latest functions and stepping the GC every 25
//                                  compiles: the Lua work eval-lru (Redis 7.4) does on a trace of distinct bodies
//   scriptsim-bench ids TRACE      one integer id per EVAL/EVALSHA (by SHA1), for libCacheSim's text reader
//   scriptsim-bench resp TRACE     the script commands as RESP, for `redis-cli --pipe`
//
// Each prints "events seconds" on stderr (ids and resp write their output to stdout).
import Crypto
import Foundation
import ScriptSim

func usage() -> Never {
    fputs("usage: scriptsim-bench hash|compile|compile-kept|ids|resp TRACE [PARSE_THREADS]\n", stderr)
    exit(64)
}

let args = CommandLine.arguments
guard args.count == 3 || args.count == 4, let threads = Int(args.count == 4 ? args[3] : "0") else { usage() }
let mode = args[1], path = args[2]
let start = Date()
var events = 0
let reader = try TraceReader(path: path, options: TraceReaderOptions(parseThreads: threads))
let out = FileHandle.standardOutput
var buffer = Data()
buffer.reserveCapacity(1 << 20)

func flushOut(force: Bool = false) {
    if force || buffer.count >= 1 << 20 {
        out.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}

switch mode {
case "hash":
    var sink: UInt8 = 0
    try reader.forEachCommand { c in
        events += 1
        switch c.kind {
        case .eval, .evalReadOnly, .scriptLoad:
            let d = Insecure.SHA1.hash(data: UnsafeRawBufferPointer(c.payload))
            d.withUnsafeBytes { sink ^= $0[0] }
        default: break
        }
    }
    if sink == 42 { fputs("", stderr) }
case "compile", "compile-kept":
    // The bodies are read first; only the compile loop is timed. "compile-kept"
    // keeps what an EVAL LRU of 500 keeps when no body repeats (each new
    // function replaces the oldest) and steps the GC as Redis 7.4 does: a tick
    // after the create and one after the run, a step every 50 ticks.
    let kept = mode == "compile-kept" ? 500 : 1
    let stepEvery = mode == "compile-kept" ? 25 : 50
    var bodies: [[UInt8]] = []
    try reader.forEachCommand { c in
        if c.kind == .eval || c.kind == .evalReadOnly { bodies.append(Array(c.payload)) }
    }
    let vm = try LuaVM(allocator: VMAllocator())
    let loop = Date()
    for body in bodies {
        let slot = LuaVM.slot(for: ScriptID(events % kept))
        events += 1
        do {
            try body.withUnsafeBufferPointer { (b: UnsafeBufferPointer<UInt8>) throws(EngineError) in
                try vm.compile(b, slot: slot, sha: "")
            }
        } catch {}
        if events % stepEvery == 0 { vm.gcStep() }
    }
    vm.close()
    fputs("compile loop \(String(format: "%.3f", Date().timeIntervalSince(loop))) s\n", stderr)
case "ids":
    var ids: [Data: Int] = [:]
    try reader.forEachCommand { c in
        let key: Data
        switch c.kind {
        case .eval, .evalReadOnly:
            key = Data(Insecure.SHA1.hash(data: UnsafeRawBufferPointer(c.payload)))
        case .evalsha, .evalshaReadOnly:
            var raw = Data()
            let hex = Array(c.payload)
            for i in stride(from: 0, to: 40, by: 2) { raw.append(UInt8(String(decoding: hex[i..<i + 2], as: UTF8.self), radix: 16)!) }
            key = raw
        default: return
        }
        events += 1
        let id = ids[key] ?? { let n = ids.count + 1; ids[key] = n; return n }()
        buffer.append(contentsOf: Array("\(id)\n".utf8))
        flushOut()
    }
    flushOut(force: true)
case "resp":
    try reader.forEachCommand { c in
        events += 1
        buffer.append(contentsOf: Array("*\(c.argumentCount)\r\n".utf8))
        for i in 0..<c.argumentCount {
            let a = c.argument(i)
            buffer.append(contentsOf: Array("$\(a.count)\r\n".utf8))
            buffer.append(contentsOf: a)
            buffer.append(contentsOf: [0x0D, 0x0A])
        }
        flushOut()
    }
    flushOut(force: true)
default:
    usage()
}
fputs("\(events) \(String(format: "%.3f", Date().timeIntervalSince(start)))\n", stderr)
