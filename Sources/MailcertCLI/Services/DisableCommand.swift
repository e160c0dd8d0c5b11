import ArgumentParser
import Foundation
import MailcertCore

/// `mailcert disable --service S`: unbind services (which Exchange cannot do).
struct DisableCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disable",
        abstract: "Unbind services from their certificate.",
        discussion: """
            The certificate stays in the store. A running 'mailcert serve' stops serving it for that service at \
            once (it watches bindings.json); with no certificate left it stops offering STARTTLS. For postfix, \
            dovecot and exim the deployed files and settings stay where they are, so the daemon keeps working; \
            'renew' just stops updating them. To move a daemon to another certificate, 'enable' that one instead.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Services to unbind (comma-separated or repeated).", valueName: "service"))
    var service: [String] = []

    @Option(help: ArgumentHelp("Where the renew service is installed (as 'enable --root').", valueName: "dir"))
    var root = "/"

    func validate() throws {
        guard !service.isEmpty else { throw ValidationError("--service is required") }
        do { _ = try MailService.parseList(service) } catch let error as MailcertError { throw ValidationError(error.message) }
    }

    func run() throws {
        try Output.reportingErrors {
            let services = try MailService.parseList(service)
            var disable = Disable(services: services)
            disable.sandbox = .at(root, shipped: ShippedFiles.running, environment: ProcessInfo.processInfo.environment)
            let (removed, sandbox) = try disable.run(store: global.store(), progress: .stderr)
            if let sandbox { Output.note("renew service: \(sandbox)") }
            for service in services {
                if let name = removed[service] {
                    Output.print("\(service.rawValue): unbound (was \(name))")
                } else {
                    Output.note("\(service.rawValue) was not bound; nothing changed")
                }
            }
        }
    }
}
