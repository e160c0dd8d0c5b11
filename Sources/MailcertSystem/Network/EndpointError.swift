/// Why a text is not a host and port: the input, quoted first, then what is wrong with it.
public struct EndpointError: Error, Equatable, CustomStringConvertible {
    public enum Problem: Sendable, Equatable {
        case noHost
        /// "[" without its "]".
        case missingBracket
        /// Something other than ":PORT" after "]".
        case expectedBracketedPort
        case portNotNumber
        case portOutOfRange
    }

    public let input: String
    public let problem: Problem

    public init(_ input: String, _ problem: Problem) {
        self.input = input
        self.problem = problem
    }

    public var description: String {
        switch problem {
        case .noHost: return "\(input): no host"
        case .missingBracket: return "\(input): missing ']'"
        case .expectedBracketedPort: return "\(input): expected [ADDRESS]:PORT"
        case .portNotNumber: return "\(input): the port must be a number"
        case .portOutOfRange: return "\(input): the port must be between 1 and 65535"
        }
    }
}
