import Foundation
import Testing
@testable import ScriptSim

/// A loopback listener that misbehaves on purpose: stays silent, or answers garbage.
final class BadServer: @unchecked Sendable {
    enum Behaviour { case silent, garbage, deeplyNested }
    let port: Int
    private let fd: Int32
    private var clients: [Int32] = []
    private var closed = false
    private let lock = NSLock()

    init(_ behaviour: Behaviour) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        listen(listener, 8)
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &len) } }
        fd = listener
        port = Int(UInt16(bigEndian: addr.sin_port))
        // The thread owns the descriptors: it closes them once `close()` has
        // shut them down. (Closing them here raced it: a descriptor number
        // closed under a thread still sending could be reused by another
        // test's listener, which this thread then accepted on.)
        Thread.detachNewThread { [self] in
            while true {
                let c = accept(listener, nil, nil)
                lock.lock()
                if c < 0 || closed {
                    if c >= 0 { Glibc.close(c) }
                    for client in clients { Glibc.close(client) }
                    clients.removeAll()
                    lock.unlock()
                    Glibc.close(listener)
                    return
                }
                clients.append(c)
                lock.unlock()
                if behaviour == .garbage {
                    let text = "HELLO THIS IS NOT RESP\r\n"
                    _ = text.withCString { send(c, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
                }
                if behaviour == .deeplyNested {
                    // "*1\r\n" two million times: an array nested two million deep.
                    let chunk = [UInt8](String(repeating: "*1\r\n", count: 100_000).utf8)
                    for _ in 0..<20 { _ = chunk.withUnsafeBytes { send(c, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } }
                }
            }
        }
    }

    /// Shuts everything down; the listening thread wakes and closes the descriptors.
    func close() {
        lock.lock()
        closed = true
        for c in clients { shutdown(c, Int32(SHUT_RDWR)) }
        lock.unlock()
        shutdown(fd, Int32(SHUT_RDWR))
    }
}

@Suite struct NetworkFailureTests {
    func verifyCLI(_ args: [String]) throws -> CommandLineTests.Run {
        try CommandLineTests().run(["verify", try writeTrace("EVAL \"return 1\" 0\n")] + args)
    }

    @Test func refusedConnectionExits69() throws {
        let port = try ServerProcess.freeLoopbackPort()   // nothing listens there
        let r = try verifyCLI(["--server", "127.0.0.1:\(port)"])
        #expect(r.status == 69)
        #expect(r.stderr == "scriptsim verify: 127.0.0.1:\(port): cannot connect: Connection refused\n")
    }

    @Test func silentServerTimesOutWith69() throws {
        let bad = try BadServer(.silent)
        defer { bad.close() }
        let r = try verifyCLI(["--server", "127.0.0.1:\(bad.port)", "--timeout", "0.5"])
        #expect(r.status == 69)
        #expect(r.stderr == "scriptsim verify: 127.0.0.1:\(bad.port): read failed: timed out\n")
    }

    @Test func garbageOnTheSocketExits69() throws {
        let bad = try BadServer(.garbage)
        defer { bad.close() }
        let r = try verifyCLI(["--server", "127.0.0.1:\(bad.port)", "--timeout", "2"])
        #expect(r.status == 69)
        #expect(r.stderr == "scriptsim verify: 127.0.0.1:\(bad.port): protocol error: unexpected byte 0x48 at the start of a reply; is this a Redis or Valkey server?\n")
    }

    @Test func serverBinaryThatIsNotAServerExits69() throws {
        let r = try verifyCLI(["--start", "/bin/false"])
        #expect(r.status == 69)
        #expect(r.stderr.hasPrefix("scriptsim verify: /bin/false exited at start"))
    }

    @Test func deeplyNestedRepliesAreAProtocolError() throws {
        let bad = try BadServer(.deeplyNested)
        defer { bad.close() }
        let r = try verifyCLI(["--server", "127.0.0.1:\(bad.port)", "--timeout", "5"])
        #expect(r.status == 69)
        #expect(r.stderr.contains("protocol error: replies nested more than 32 deep"))
    }

    @Test func usageErrors() throws {
        let neither = try verifyCLI([])
        #expect(neither.status == 64)
        #expect(neither.stderr.contains("give exactly one of --start BINARY and --server HOST:PORT"))
        for bad in ["nan", "inf", "1e300", "3000000", "0.0000001", "-1"] {
            let r = try verifyCLI(["--server", "127.0.0.1:1", "--timeout=\(bad)"])
            #expect(r.status == 64, "--timeout \(bad)")
            #expect(r.stderr.contains("--timeout must be a number of seconds from 0.001 to 86400"), "--timeout \(bad)")
        }
        let noPort = try verifyCLI(["--server", "127.0.0.1"])
        #expect(noPort.status == 64)
        #expect(noPort.stderr.contains("--server '127.0.0.1' is not HOST:PORT"))
    }
}
