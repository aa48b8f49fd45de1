/// A policy named on the command line, `NAME[:key=value[,key=value]]`, after
/// the registry checked it and filled in every default.
///
/// Its `description` is the canonical form printed in every report, so a
/// figure can always be traced back to exact parameters.
public struct PolicySpec: Hashable, CustomStringConvertible, Sendable {
    public var name: String
    /// Every parameter, defaults included, in the registry's order.
    public var parameters: [(key: String, value: String)]

    public init(name: String, parameters: [(key: String, value: String)] = []) {
        self.name = name
        self.parameters = parameters
    }

    public var description: String {
        parameters.isEmpty ? name : name + ":" + parameters.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }

    public subscript(key: String) -> String? {
        parameters.first { $0.key == key }?.value
    }

    public static func == (a: PolicySpec, b: PolicySpec) -> Bool { a.description == b.description }
    public func hash(into h: inout Hasher) { h.combine(description) }
}

/// A policy spec that cannot be used, said in one line.
public struct PolicySpecError: Error, CustomStringConvertible, Equatable, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
