import Foundation
import MailcertSystem

/// What deploying one version to one daemon writes: the certificate files where the daemon reads them, with the
/// owner and mode it needs, the configuration snippet rendered from `templates/`, and (postfix) the main.cf
/// parameters. Everything is computed before anything is written.
///
/// Paths in the snippets are the real ones, root included: with `--root /srv/test` the daemon configured from
/// there reads `/srv/test/etc/mailcert/...`, which is what a test instance needs.
struct DeployPlan {
    var files: [DeployedFile] = []
    /// main.cf parameters to set with postconf (postfix only).
    var postfixParameters: [(name: String, value: String)] = []
    /// Things the admin should know that do not stop the deploy (a missing exim group).
    var notes: [String] = []
    /// A program that rebuilds the daemon's configuration from the files (Debian's update-exim4.conf), run after
    /// the switch and again after a rollback; nil when there is none.
    var regenerate: [String]?

    /// The files a version becomes for `service`, by file name (`<name>.pem` for postfix, `key.pem` and
    /// `fullchain.pem` in `<name>/` for the others), below ROOT/etc/mailcert/SERVICE.
    /// `runner` asks the installed daemon which syntax it reads (dovecot --version).
    static func make(
        service: MailService, settings: DeploySettings, version: StoredVersion, renderer: TemplateRenderer,
        runner: any ProcessRunning
    ) throws -> DeployPlan {
        let root = URL(fileURLWithPath: settings.root, isDirectory: true)
        let config = URL(fileURLWithPath: settings.configDirectory, isDirectory: true)
        let base = root.appendingPathComponent("etc/mailcert/\(service.rawValue)", isDirectory: true)
        let key = version.keyPEM
        let fullchain = version.fullchainPEM
        var values: [String: Any] = [
            "name": version.name, "domains": version.metadata.hostnames.joined(separator: " "),
        ]
        var plan = DeployPlan()
        switch service {
        case .postfix:
            // smtpd_tls_chain_files: key first, then the leaf, then the intermediates, in one file read by root
            // before smtpd drops privileges; so 0600 and owned by root.
            let chain = base.appendingPathComponent("\(version.name).pem")
            plan.files.append(DeployedFile(url: chain, bytes: Self.joined(key, fullchain), mode: 0o600))
            values["chainFile"] = chain.path
            let snippet = try renderer.render("postfix/main.cf.mustache", values)
            plan.postfixParameters = PostfixMainCF.parameters(snippet)
            let snippetFile = base.appendingPathComponent("\(version.name).main.cf")
            try RenewalTimer.refuseForeign(snippetFile)
            plan.files.append(DeployedFile(url: snippetFile, bytes: Array(snippet.utf8), mode: 0o644))
        case .dovecot:
            let directory = base.appendingPathComponent(version.name, isDirectory: true)
            values["key"] = directory.appendingPathComponent("key.pem").path
            values["fullchain"] = directory.appendingPathComponent("fullchain.pem").path
            plan.files += [
                DeployedFile(url: directory.appendingPathComponent("fullchain.pem"), bytes: fullchain, mode: 0o644),
                DeployedFile(url: directory.appendingPathComponent("key.pem"), bytes: key, mode: 0o600),
            ]
            let dovecot = try DovecotVersion.detect(runner: runner)
            plan.notes += dovecot.note.map { [$0] } ?? []
            try plan.addSnippet(
                dovecot.version.template, config.appendingPathComponent("conf.d/99-mailcert.conf"), values, renderer)
        case .exim:
            let directory = base.appendingPathComponent(version.name, isDirectory: true)
            values["key"] = directory.appendingPathComponent("key.pem").path
            values["fullchain"] = directory.appendingPathComponent("fullchain.pem").path
            // Exim drops to its own user before TLS, so the key must be readable by its group: 0640.
            let group = EximGroup.lookup()
            if group == nil {
                plan.notes.append(
                    "exim: no Debian-exim or exim group on this host; \(values["key"]!) stays in the group of "
                        + "whoever ran mailcert (0640): give it exim's group by hand")
            }
            plan.files += [
                DeployedFile(url: directory.appendingPathComponent("fullchain.pem"), bytes: fullchain, mode: 0o644),
                DeployedFile(
                    url: directory.appendingPathComponent("key.pem"), bytes: key, mode: 0o640, group: group?.gid),
            ]
            try plan.addEximMacros(config: config, root: root, values, renderer)
        case .smtp, .submission:
            throw MailcertError(.badInput, "\(service.rawValue) is the bundled listener's: nothing to deploy")
        }
        return plan
    }

    /// A rendered snippet, refused when a file of that name is someone else's (no "# Managed by mailcert" line).
    private mutating func addSnippet(
        _ template: String, _ destination: URL, _ values: [String: Any], _ renderer: TemplateRenderer
    ) throws {
        try RenewalTimer.refuseForeign(destination)
        let text = try renderer.render(template, values)
        files.append(DeployedFile(url: destination, bytes: Array(text.utf8), mode: 0o644))
    }

    /// Exim's TLS macros: a marked block in exim4.conf.localmacros for Debian's unsplit configuration (the admin's
    /// other lines, mode and group kept), else conf.d/main/00_mailcert; then update-exim4.conf, when Debian's is
    /// installed, rebuilds the configuration Exim reads (below the root: ROOT/var/lib/exim4).
    private mutating func addEximMacros(
        config: URL, root: URL, _ values: [String: Any], _ renderer: TemplateRenderer
    ) throws {
        let debian = EximDebianConfig(directory: config)
        let split = debian.usesSplitConfig
        if split == false {
            let existing = (try? String(contentsOf: debian.localMacros, encoding: .utf8)) ?? ""
            let block = try renderer.render("exim/localmacros.mustache", values)
            let text = try EximDebianConfig.replacingBlock(in: existing, with: block)
            let ownership = debian.localMacrosOwnership()
            files.append(
                DeployedFile(
                    url: debian.localMacros, bytes: Array(text.utf8), mode: ownership.mode, group: ownership.group))
        } else {
            try addSnippet(
                "exim/00_mailcert.mustache", config.appendingPathComponent("conf.d/main/00_mailcert"), values,
                renderer)
        }
        if split != nil, let update = SystemExecutable.find("update-exim4.conf") {
            let output = root.appendingPathComponent("var/lib/exim4/config.autogenerated").standardizedFileURL
            regenerate = [update, "-d", config.path, "-o", output.path]
        }
    }

    /// PEM files one after another, each ending with a newline.
    static func joined(_ parts: [UInt8]...) -> [UInt8] {
        parts.flatMap { $0.last == 0x0A || $0.isEmpty ? $0 : $0 + [0x0A] }
    }
}

/// The group Exim reads its key as: Debian's `Debian-exim`, else upstream's `exim`.
enum EximGroup {
    static func lookup() -> (name: String, gid: gid_t)? {
        for name in ["Debian-exim", "exim"] {
            if let entry = getgrnam(name) { return (name, entry.pointee.gr_gid) }
        }
        return nil
    }
}
