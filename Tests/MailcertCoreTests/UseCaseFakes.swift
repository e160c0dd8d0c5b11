import Foundation
import MailcertSystem
import MailcertTestSupport
import MailcertCheck
import MailcertCore

/// The probe of a use-case test: answers from a script instead of the wire, and remembers what it was asked.
final class ScriptedProbe: ServiceProbing, Sendable {
    struct Asked: Equatable {
        var sha256: String
        var target: String
        var serverName: String?
        var ehloName: String
    }

    private let state = Locked<(asked: [Asked], answer: ServedProof.Outcome)>(
        ([], .proven(attempts: 1)))

    /// What every later probe answers.
    func answer(_ outcome: ServedProof.Outcome) { state.withLockedValue { $0.answer = outcome } }

    var asked: [Asked] { state.withLockedValue { $0.asked } }

    func waitUntilServed(sha256: String, at request: ProbeRequest, within seconds: Double) -> ServedProof.Outcome {
        state.withLockedValue {
            $0.asked.append(
                Asked(
                    sha256: sha256, target: request.target, serverName: request.serverName,
                    ehloName: request.ehloName))
            return $0.answer
        }
    }
}

/// The process runner of a use-case test: runs nothing, records each call, and exits as scripted.
///
/// A version query (`dovecot --version`) is answered from `versions` and kept apart in `queries`: it changes
/// nothing, so `calls` and the scripted exit statuses stay the reloads' and postconf's.
final class ScriptedRunner: ProcessRunning, Sendable {
    struct Call: Equatable {
        var executable: String
        var arguments: [String]
        var environment: [String: String]
    }

    private let state = Locked<(calls: [Call], statuses: [Int32], queries: [Call], versions: [String: String])>(
        ([], [], [], ["dovecot": "2.3.19.1 (9b53102964)"]))

    /// Exit statuses of the next calls, in order; once used up every call exits 0.
    func exit(_ statuses: Int32...) { state.withLockedValue { $0.statuses = statuses } }

    /// What `PROGRAM --version` prints from now on (Debian 12's dovecot answers "2.3.19.1 (9b53102964)").
    func version(of program: String, _ output: String) { state.withLockedValue { $0.versions[program] = output } }

    var calls: [Call] { state.withLockedValue { $0.calls } }
    var queries: [Call] { state.withLockedValue { $0.queries } }

    func run(_ executable: String, arguments: [String], environment: [String: String]) -> ProcessResult {
        state.withLockedValue {
            let program = URL(fileURLWithPath: executable).lastPathComponent
            if arguments == ["--version"], let output = $0.versions[program] {
                $0.queries.append(Call(executable: executable, arguments: arguments, environment: environment))
                return ProcessResult(termination: .exited(0), output: Array("\(output)\n".utf8), duration: .zero)
            }
            $0.calls.append(Call(executable: executable, arguments: arguments, environment: environment))
            let status = $0.statuses.isEmpty ? 0 : $0.statuses.removeFirst()
            return ProcessResult(
                termination: .exited(status), output: Array("scripted exit \(status)\n".utf8), duration: .zero)
        }
    }
}

/// Notes and warnings a use case said.
final class CollectedReport: Sendable {
    private let lines = Locked<[String]>([])
    var all: [String] { lines.withLockedValue { $0 } }
    var reporter: Reporter {
        Reporter(
            note: { line in self.lines.withLockedValue { $0.append("note: " + line) } },
            warn: { line in self.lines.withLockedValue { $0.append("warning: " + line) } })
    }
}

/// What every use-case test starts from: an empty in-memory store, the scripted edges, and a fixed clock.
struct UseCaseWorld {
    let store = InMemoryCertificateStore()
    let probe = ScriptedProbe()
    let runner = ScriptedRunner()
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    var steps: DeployAndProve { DeployAndProve(runner: runner, probe: probe, ehloName: "mx1.test") }
}

/// A suite of use-case tests: it owns a world, and reads its parts by name.
protocol UseCaseSuite {
    var world: UseCaseWorld { get }
}

extension UseCaseSuite {
    var store: InMemoryCertificateStore { world.store }
    var probe: ScriptedProbe { world.probe }
    var runner: ScriptedRunner { world.runner }
    var now: Date { world.now }
    var steps: DeployAndProve { world.steps }

    /// A self-signed version of `name` put in service, as `request --self-signed` makes one.
    @discardableResult
    func issue(_ name: String = "mx1", hosts: [String] = ["mx1.example.com"], force: Bool = false) throws
        -> StoredVersion
    {
        try SelfSignedIssuance(name: name, hostnames: hosts, key: .generate(.ecdsaP256), days: 90, force: force)
            .run(store: store, now: now)
    }

    /// How a daemon is deployed below a staging `root`: its configuration in ROOT/etc/`config`, the repository's
    /// templates, and a reload hook the scripted runner answers.
    func staged(_ service: MailService, root: TemporaryDirectory, config: String) -> DeploySettings {
        DeploySettings(
            root: root.url.path, configDirectory: root.path("etc/\(config)"), templates: repositoryTemplates.path,
            reloadHook: "/reload-\(service.rawValue)")
    }
}

/// The repository's templates directory (the snippets deploys render).
let repositoryTemplates = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../../templates", isDirectory: true).standardizedFileURL

/// A value behind a lock, for fakes shared with the code under test.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLockedValue<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
