import Dispatch
import Foundation
import Logging
import MailcertCore
import SMTPServer

/// Starts the listener in the order privilege separation needs, then waits for signals.
///
/// Order: load certificates and bind (as root, so port 25 and 0600 keys work), drop to --user, watch the store,
/// serve. SIGHUP reloads; SIGTERM and SIGINT shut down gracefully.
public struct ServeRunner {
    let settings: ServeSettings
    let logger: Logger

    public init(settings: ServeSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
    }

    public func run() throws {
        if let user = settings.user, getpwnam(user) == nil {
            throw MailcertError(.badInput, "no user \"\(user)\" in the password database (--user); nothing was started")
        }
        // Before the first bind: a SIGTERM once the port accepts must shut down in order, never kill the process.
        let signals = SignalWaiter(logger: logger)
        let contexts = TLSContextStore()
        let sources = settings.sourceList
        let reloader = CertificateReloader(sources: { sources.sources }, store: contexts, logger: logger)
        if sources.sources.isEmpty {
            logger.warning(
                """
                no certificate to serve yet (--cert NAME, or 'mailcert enable --service smtp'): STARTTLS is not \
                offered
                """)
        }
        reloader.reload(reason: "start")
        let listener = SMTPListener(
            configuration: settings.listener, contexts: contexts, sink: try makeSink(), logger: logger, now: { Date() })
        let bound: [ListenerConfiguration.Endpoint]
        do {
            bound = try listener.bind()
        } catch {
            let endpoints = settings.listener.endpoints.map(\.description).joined(separator: ", ")
            throw MailcertError(.io, "cannot listen on \(endpoints): \(error); nothing was started")
        }
        register(bound)
        // Watches first: inotify watches set up as root keep working after the drop, on 0700 store directories too.
        let watcher = try startWatching(reloader)
        if let user = settings.user {
            do { try PrivilegeDrop.become(user: user) } catch {
                listener.shutdown()
                throw MailcertError(.io, "\(error); the listener was stopped")
            }
            logger.notice("running as user \(user)")
            for source in sources.sources where access(source.keyFile.path, R_OK) != 0 {
                logger.warning(
                    """
                    user \(user) cannot read \(source.keyFile.path): the certificate loaded at start keeps serving, \
                    but reloads of \(source.name) will fail until the key is readable by \(user) (mode 0640 to its \
                    group) or the listener is restarted
                    """)
            }
        }
        signals.onHangUp { reloader.reload(reason: "SIGHUP") }
        let rotation = rotateTicketKeys(reloader)
        logger.notice("ready")
        signals.waitForTermination()
        rotation.cancel()
        watcher?.stop()
        listener.shutdown()
        // After a drop to --user the store may not be writable: the record then stays, and its gone pid is ignored.
        try? ListenerEndpoints.unregister(pid: getpid(), in: settings.sourceList.store)
        logger.notice("stopped")
    }

    /// Tells the store where this listener listens, so `enable` and `renew` prove smtp and submission here.
    private func register(_ bound: [ListenerConfiguration.Endpoint]) {
        let records = bound.map { endpoint in
            ListenerEndpoints.Record(
                endpoint: endpoint.address.description,
                kind: endpoint.implicitTLS ? .implicitTLS : endpoint.requireTLS ? .required : .starttls, pid: getpid())
        }
        do { try ListenerEndpoints.register(records, pid: getpid(), in: settings.sourceList.store) } catch {
            logger.warning("cannot record where this listener listens in the store (\(error)); 'mailcert enable' and renewals will not find it without --connect")
        }
    }

    private func makeSink() throws -> any MessageSink {
        switch settings.destination {
        case .maildir(let directory):
            return MaildirSink(directory: directory, hostname: settings.listener.session.hostname, now: { Date() })
        case .relay(let host, let port):
            return try settings.relayTLS.sink(host: host, port: port, heloName: settings.listener.session.hostname)
        }
    }

    /// Watches where the store's bindings and certificates change, and each served
    /// certificate's directory (where `current` is renamed).
    private func startWatching(_ reloader: CertificateReloader) throws -> DirectoryWatcher? {
        let sources = settings.sourceList
        let watcher = try DirectoryWatcher(
            directories: { sources.watchedDirectories + sources.sources.flatMap(\.watchedDirectories) }
        ) {
            reloader.reload(reason: "the store changed")
        }
        watcher.start()
        return watcher
    }

    private func rotateTicketKeys(_ reloader: CertificateReloader) -> any DispatchSourceTimer {
        let timer = DispatchSource.makeTimerSource(queue: .global())
        let interval = settings.ticketKeyRotation
        timer.schedule(
            deadline: .now() + .seconds(Int(interval.components.seconds)),
            repeating: .seconds(Int(max(60, interval.components.seconds))))
        timer.setEventHandler { reloader.rotateTicketKeys() }
        timer.resume()
        return timer
    }
}
