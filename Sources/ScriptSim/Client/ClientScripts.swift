import Foundation

/// Script bodies the application's client holds from the start, as redis-py's
/// `register_script` or ioredis's `defineCommand` hold them: each `.lua`
/// file's exact bytes are one body. The trace may call them by SHA1 only.
public struct ClientScripts: Sendable {
    public struct Script: Sendable {
        public var path: String
        public var body: [UInt8]
    }

    public private(set) var scripts: [Script] = []

    public init() {}

    /// Reads `path`: one `.lua` file (any name), or a folder searched
    /// recursively for `*.lua`, in path order so runs are identical.
    public init(path: String) throws(TraceError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw TraceError(kind: .unreadable, path: path, line: 0, column: 0, message: "cannot read --scripts: No such file or directory")
        }
        var files: [String] = []
        if isDirectory.boolValue {
            guard let walker = FileManager.default.enumerator(atPath: path) else {
                throw TraceError(kind: .unreadable, path: path, line: 0, column: 0, message: "cannot list the --scripts folder")
            }
            for case let relative as String in walker where relative.hasSuffix(".lua") {
                let full = (path as NSString).appendingPathComponent(relative)
                var dir: ObjCBool = false
                if FileManager.default.fileExists(atPath: full, isDirectory: &dir), !dir.boolValue { files.append(full) }
            }
            guard !files.isEmpty else {
                throw TraceError(kind: .unreadable, path: path, line: 0, column: 0, message: "no *.lua files under this --scripts folder")
            }
            files.sort()
        } else {
            files = [path]
        }
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw TraceError(kind: .unreadable, path: file, line: 0, column: 0, message: "cannot read this --scripts file")
            }
            scripts.append(Script(path: file, body: Array(data)))
        }
    }

    public init(bodies: [String]) {
        scripts = bodies.enumerated().map { Script(path: "<script \($0.offset + 1)>", body: Array($0.element.utf8)) }
    }

    public var isEmpty: Bool { scripts.isEmpty }
}
