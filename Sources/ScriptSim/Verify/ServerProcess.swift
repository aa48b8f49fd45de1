import Foundation

/// A `redis-server` or `valkey-server` started for one verification: on a
/// free loopback port, with no persistence, in a temporary directory of its
/// own, and stopped (then its directory removed) when `stop()` is called or
/// the object goes away.
public final class ServerProcess: @unchecked Sendable {
    public let binary: String
    public let port: Int
    public let directory: URL
    private let process = Process()
    private let lock = NSLock()
    private var stopped = false

    /// Starts `binary` and waits until it answers PING (at most `timeout` seconds).
    /// `extraArguments` go to the server's command line (for tests: `--requirepass`);
    /// `password` is what the readiness PING authenticates with then.
    public init(binary: String, timeout: Double = 15, extraArguments: [String] = [], password: String? = nil) throws(NetworkError) {
        self.binary = binary
        // A folder passes the executable check (its x bit) and Process would say "doesn't exist".
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: binary, isDirectory: &isFolder), !isFolder.boolValue,
              FileManager.default.isExecutableFile(atPath: binary) else {
            throw NetworkError("\(binary): not an executable server binary\(isFolder.boolValue ? " (it is a folder)" : "")")
        }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("scriptsim-server-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw NetworkError("cannot create a directory for the server: \(error.localizedDescription)")
        }
        port = try Self.freeLoopbackPort()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", directory.path, "--daemonize", "no",
                             "--logfile", directory.appendingPathComponent("server.log").path] + extraArguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw NetworkError("\(binary): cannot start: \(error.localizedDescription)")
        }
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if !process.isRunning {
                let log = logTail()
                try? FileManager.default.removeItem(at: directory)
                throw NetworkError("\(binary) exited at start (status \(process.terminationStatus))\(log.isEmpty ? "" : ": \(log)")")
            }
            if let c = try? RESPConnection(host: "127.0.0.1", port: port, timeout: 1),
               password.map({ (try? c.call(["AUTH", $0])) == .simple("OK") }) ?? true,
               (try? c.call(["PING"])) == .simple("PONG") {
                return
            }
            if Date() > deadline {
                stop()
                throw NetworkError("\(binary) did not answer PING on 127.0.0.1:\(port) within \(Int(timeout)) s")
            }
            usleep(20_000)
        }
    }

    deinit { stop() }

    /// Stops the server (SHUTDOWN NOSAVE, then SIGTERM, then SIGKILL after 5 s)
    /// and removes its directory. Safe to call twice, and from another thread.
    public func stop() {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped else { return }
        stopped = true
        if process.isRunning {
            let pid = process.processIdentifier
            // Ask first: a signal may be blocked in the mask the child inherited
            // (test runners block SIGTERM in their threads).
            if let c = try? RESPConnection(host: "127.0.0.1", port: port, timeout: 2) {
                _ = try? c.call(["SHUTDOWN", "NOSAVE"])
            }
            if process.isRunning { process.terminate() }
            // A server that ignores SIGTERM for 5 s is killed.
            let killer = DispatchWorkItem { kill(pid, SIGKILL) }
            DispatchQueue.global().asyncAfter(deadline: .now() + 5, execute: killer)
            process.waitUntilExit()
            killer.cancel()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    private func logTail() -> String {
        guard let text = try? String(contentsOf: directory.appendingPathComponent("server.log"), encoding: .utf8) else { return "" }
        return text.split(separator: "\n").suffix(2).joined(separator: " | ")
    }

    /// A port the kernel considers free on 127.0.0.1 right now.
    static func freeLoopbackPort() throws(NetworkError) -> Int {
        let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard s >= 0 else { throw NetworkError("cannot create a socket: \(String(cString: strerror(errno)))") }
        defer { close(s) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw NetworkError("cannot find a free loopback port: \(String(cString: strerror(errno)))") }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(s, $0, &len) }
        }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
