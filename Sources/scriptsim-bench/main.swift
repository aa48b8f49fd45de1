// scriptsim-bench: the baselines bench/run measures scriptsim against.
//
//   scriptsim-bench hash TRACE [N] read the trace and SHA1 every body, no cache (the hit-path floor);
//                                  N: parse threads, as scriptsim's --parse-threads (default 0: one per core, at most 4)
//   scriptsim-bench compile TRACE  compile every EVAL body in a tight loop on one VM (the miss-path floor)
//   scriptsim-bench ids TRACE      one integer id per EVAL/EVALSHA (by SHA1), for libCacheSim's text reader
//   scriptsim-bench resp TRACE     the script commands as RESP, for `redis-cli --pipe`
//
// Each prints "events seconds" on stderr (ids and resp write their output to stdout).
import Crypto
import Foundation
import ScriptSim

func usage() -> Never {
    fputs("usage: scriptsim-bench hash|compile|ids|resp TRACE [PARSE_THREADS]\n", stderr)
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
case "compile":
    // The bodies are read first; only the compile loop is timed.
    var bodies: [[UInt8]] = []
    try reader.forEachCommand { c in
        if c.kind == .eval || c.kind == .evalReadOnly { bodies.append(Array(c.payload)) }
    }
    let vm = try LuaVM(allocator: VMAllocator())
    let loop = Date()
    for body in bodies {
        events += 1
        do {
            try body.withUnsafeBufferPointer { (b: UnsafeBufferPointer<UInt8>) throws(EngineError) in
                try vm.compile(b, slot: LuaVM.slot(for: 0), sha: "")
            }
        } catch {}
        if events % 50 == 0 { vm.gcStep() }
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
