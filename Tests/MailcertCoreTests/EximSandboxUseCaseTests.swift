import Foundation
import MailcertCore
import MailcertTestSupport
import Testing

/// The renew service may write what a redeploy to Exim writes: with Debian's unsplit configuration that is
/// exim4.conf.localmacros (and its temporary file) in the configuration directory itself, and update-exim4.conf's
/// output in var/lib/exim4.
@Suite struct EximSandboxUseCaseTests: UseCaseSuite {
    let world = UseCaseWorld()

    func paths(split: String) throws -> (root: TemporaryDirectory, paths: [String]) {
        let root = try TemporaryDirectory("mailcert-exim-sandbox")
        try FileManager.default.createDirectory(atPath: root.path("etc/exim4"), withIntermediateDirectories: true)
        _ = try root.write("etc/exim4/update-exim4.conf.conf", "dc_use_split_config='\(split)'\n")
        try issue()
        var enable = Enable(certificate: .name("mx1"), services: [.exim])
        enable.prove = false
        enable.deploySettings[.exim] = staged(.exim, root: root, config: "exim4")
        _ = try enable.run(store: store, steps: steps, now: now, progress: .silent)
        return (root, try RenewalSandbox.writablePaths(in: store))
    }

    @Test func unsplitMayWriteTheConfigDirectoryAndUpdateExim4ConfOutput() throws {
        let (root, paths) = try paths(split: "false")
        #expect(paths.contains(root.path("etc/exim4")), "\(paths)")
        #expect(paths.contains(root.path("var/lib/exim4")), "\(paths)")
        #expect(paths.contains(root.path("etc/mailcert/exim")), "\(paths)")
    }

    @Test func splitMayWriteConfDMainOnly() throws {
        let (root, paths) = try paths(split: "true")
        #expect(!paths.contains(root.path("etc/exim4")), "\(paths)")
        #expect(paths.contains(root.path("etc/exim4/conf.d/main")), "\(paths)")
        #expect(paths.contains(root.path("var/lib/exim4")), "\(paths)")
    }
}
