import MailcertSystem

extension DeployAndProve {
    /// The real edges: reload hooks and postconf run as processes (each with two minutes), proofs over the wire,
    /// EHLO with this host's name.
    public static var live: DeployAndProve {
        DeployAndProve(
            runner: ProcessRunner(timeout: .seconds(120)), probe: LiveServiceProbe(), ehloName: LocalHostName.value)
    }
}
