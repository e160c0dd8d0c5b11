/// Checks a profile name against the directory before an order (draft-ietf-acme-profiles): a CA answers an
/// unknown profile with a problem only after the order is placed, and one without profiles may ignore the field
/// and issue something else than was asked for.
public enum ProfileChoice {
    public static func check(_ profile: String, offered: [String: String]?, directoryURL: String) throws {
        guard let offered, !offered.isEmpty else {
            throw ACMEError(
                .unknownProfile,
                "the CA at \(directoryURL) offers no certificate profiles (its directory lists none), so it cannot "
                    + "issue profile '\(profile)'; order without a profile")
        }
        guard offered[profile] != nil else {
            throw ACMEError(
                .unknownProfile,
                "the CA at \(directoryURL) offers no profile '\(profile)'; it offers: "
                    + offered.keys.sorted().joined(separator: ", "))
        }
    }
}
