import Foundation
import MailcertCore

extension EnableCommand {
    /// Deploys `name` to each daemon service (postfix, dovecot, exim) and records how in STATE/deploy.json; called
    /// with the store's lock held, before anything is bound. A failed deploy (its files already back in place)
    /// stops `enable` with nothing bound; daemons deployed before it in the same run keep the new files.
    func deployDaemons(_ services: [MailService], name: String, store: FileCertificateStore) throws {
        let daemons = services.filter { !$0.isBundledListener }
        guard !daemons.isEmpty else { return }
        guard let version = try store.currentVersion(of: name) else {
            throw MailcertError(.notFound, "certificate '\(name)' has no version in service; nothing was deployed")
        }
        var records = try DeployRecords.load(store.paths)
        for service in daemons {
            let settings = try deploy.settings(for: service)
            do {
                _ = try ServiceDeployer(service: service, settings: settings).deploy(version, paths: store.paths) {
                    Output.note($0)
                }
            } catch let error as MailcertError {
                throw MailcertError(error.code, "\(error.message); bindings.json was not changed")
            }
            records.services[service.rawValue] = settings
            try records.save(store.paths)
        }
    }
}
