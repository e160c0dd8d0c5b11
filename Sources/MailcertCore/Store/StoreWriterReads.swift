import MailcertCrypto

/// A writer reads what its store holds (its own writes included): every implementation's writer forwards its
/// reads here, once, instead of repeating the list.
protocol ReadsThroughStore: StoreReader {
    var readSide: any StoreReader { get }
}

extension ReadsThroughStore {
    func names() throws -> [String] { try readSide.names() }
    func currentVersion(of name: String) throws -> StoredVersion? { try readSide.currentVersion(of: name) }
    func version(_ number: Int, of name: String) throws -> StoredVersion { try readSide.version(number, of: name) }
    func versionNumbers(of name: String) throws -> [Int] { try readSide.versionNumbers(of: name) }
    func pending(of name: String) throws -> PendingKey? { try readSide.pending(of: name) }
    func nextKey(of name: String) throws -> PrivateKey? { try readSide.nextKey(of: name) }
    func renewalOptions(of name: String) throws -> ACMEOptions? { try readSide.renewalOptions(of: name) }
    func renewalInfo(of name: String) throws -> StoredRenewalInfo? { try readSide.renewalInfo(of: name) }
    func account(directoryURL: String) throws -> StoredAccount? { try readSide.account(directoryURL: directoryURL) }
    func accountNextKey(directoryURL: String) throws -> PrivateKey? {
        try readSide.accountNextKey(directoryURL: directoryURL)
    }
    func bindings() throws -> Bindings { try readSide.bindings() }
    func deployRecords() throws -> DeployRecords { try readSide.deployRecords() }
    func proofTargets() throws -> ProofTargets { try readSide.proofTargets() }
    func listenerEndpoints() throws -> ListenerEndpoints { try readSide.listenerEndpoints() }
    func metricsState() throws -> MetricsState { try readSide.metricsState() }
    func location(of item: StoreItem) -> String { readSide.location(of: item) }
}
