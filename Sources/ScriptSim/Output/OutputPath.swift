#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Path arithmetic for output files, on bytes rather than Foundation's
/// `NSString` path methods (which trapped on one-character paths such as `a`
/// or `-`), and the check that no output lands on an input or on another output.
public enum OutputPath {
    /// The folder and the last component: `a` → (`.`, `a`), `/a` → (``, `a`)
    /// (so `dir + "/" + name` is `/a` again), `d/a` → (`d`, `a`).
    static func split(_ path: String) -> (dir: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        return (String(path[..<slash]), String(path[path.index(after: slash)...]))
    }

    /// Where writing `path` lands, as the shell's `>` finds it: every symlink
    /// followed, a dangling one to the path it names (relative targets from the
    /// link's folder). Stops after 40 links, as the kernel does (ELOOP).
    public static func followingLinks(_ path: String) -> String {
        var current = path
        for _ in 0..<40 {
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlink(current, &buffer, buffer.count - 1)
            guard n > 0 else { return current }
            let link = String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            current = link.hasPrefix("/") ? link : split(current).dir + "/" + link
        }
        return current
    }

    /// The descriptor of this process a path names (`/dev/stdout`, `/dev/fd/3`,
    /// `/proc/self/fd/63` as `>(…)` gives it), or nil. Writing such a path goes
    /// through the descriptor, as the shell set it up (`>` or `>>`, a file or a
    /// pipe); following its link instead would replace the file behind it.
    public static func descriptor(named path: String) -> Int32? {
        switch path {
        case "/dev/stdin": return 0
        case "/dev/stdout": return 1
        case "/dev/stderr": return 2
        default: break
        }
        for prefix in ["/dev/fd/", "/proc/self/fd/", "/proc/\(getpid())/fd/"] where path.hasPrefix(prefix) {
            let rest = path.dropFirst(prefix.count)
            guard !rest.isEmpty, rest.allSatisfy({ $0.isASCII && $0.isNumber }), let fd = Int32(rest),
                  fcntl(fd, F_GETFD) != -1 else { return nil }
            return fd
        }
        return nil
    }

    /// Whether `path` and standard output are the same open file (a file or
    /// a pipe, not a terminal or `/dev/null`, which any number may share).
    public static func isStandardOutput(_ path: String) -> Bool {
        if descriptor(named: path) == 1 { return true }
        var out = stat(), st = stat()
        guard fstat(1, &out) == 0, (out.st_mode & S_IFMT) != S_IFCHR, stat(path, &st) == 0 else { return false }
        return out.st_dev == st.st_dev && out.st_ino == st.st_ino
    }

    /// The temporary name a new file is written under before it is renamed
    /// into place: hidden, beside its target, and within NAME_MAX (255 bytes)
    /// however long the target's name is.
    static func partialName(for name: String) -> String {
        var kept = ""
        var bytes = 0
        for scalar in name.unicodeScalars {
            let n = String(scalar).utf8.count
            if bytes + n > 200 { break }
            kept.unicodeScalars.append(scalar)
            bytes += n
        }
        return "." + kept + ".partial-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }

    /// The same file, whichever way it is named: device and inode when it
    /// exists, else the canonical folder and name it would be created as.
    enum Identity: Equatable {
        case file(dev: UInt64, inode: UInt64)
        case new(String)
    }

    static func identity(of path: String) -> Identity? {
        var st = stat()
        if path == "-" {
            return fstat(0, &st) == 0 ? .file(dev: UInt64(st.st_dev), inode: UInt64(st.st_ino)) : nil
        }
        if stat(path, &st) == 0 { return .file(dev: UInt64(st.st_dev), inode: UInt64(st.st_ino)) }
        let (dir, name) = split(followingLinks(path))
        guard let real = realpath(dir.isEmpty ? "/" : dir, nil) else { return .new(path) }
        defer { free(real) }
        return .new(String(cString: real) + "/" + name)
    }

    /// A message when an output (`name` and path) is also an input or another
    /// output: writing it would replace a trace being read or keep only one of
    /// two outputs. Devices and pipes (`/dev/null`, `/dev/stdout`) may be shared.
    public static func overlap(outputs: [(name: String, path: String)], inputs: [String]) -> String? {
        func isSharable(_ path: String) -> Bool {
            var st = stat()
            return stat(path, &st) == 0 && (st.st_mode & S_IFMT) != S_IFREG
        }
        var seen: [(String, Identity)] = []
        for (name, path) in outputs where !isSharable(path) {
            guard let id = identity(of: path) else { continue }
            for input in inputs where identity(of: input) == id && (input == "-" || !isSharable(input)) {
                return "\(name) \(path) is the trace \(input == "-" ? "on standard input" : input): writing it would replace the input"
            }
            if let (other, _) = seen.first(where: { $0.1 == id }) {
                return "\(name) \(path) is also the \(other): one file cannot hold both"
            }
            seen.append((name, id))
        }
        return nil
    }
}
