/// Sends DNS UPDATE messages (RFC 2136) over TCP to one primary server, signed with a TSIG key, and checks the
/// answer: NOERROR, and a TSIG MAC over the request's MAC and the answer made with the same key.
///
/// Each `send` is one message, so the server applies its changes all together or not at all; a caller that sends
/// several (one per zone) gets one atomic step per message. TCP, not UDP: an update is never retransmitted, so a slow
/// answer cannot be applied twice, and large TLSA sets are not truncated. After a timeout the outcome is unknown
/// (the server may have applied the update); the message says so.
public struct DNSUpdateClient: Sendable {
    public let server: DNSServerAddress
    public let key: TSIGKey?
    public let timeout: Duration

    public init(server: DNSServerAddress, key: TSIGKey?, timeout: Duration = .seconds(10)) {
        self.server = server
        self.key = key
        self.timeout = timeout
    }

    /// The zone holding `name`: the closest enclosing name for which the server answers an SOA record in the answer
    /// section (its apex). Names the server refuses or does not know are skipped on the way up.
    public func zone(of name: String) throws(DNSError) -> String {
        let resolver = DNSResolver(server: server, timeout: timeout, attempts: 2)
        var labels = try DNSName.normalized(name).split(separator: ".").map(String.init)
        var asked: [String] = []
        while !labels.isEmpty {
            let candidate = labels.joined(separator: ".")
            asked.append(candidate)
            do throws(DNSError) {
                let (_, response) = try resolver.query(candidate, .soa, acceptingNXDOMAIN: true)
                if response.answers.contains(where: { $0.name == candidate && $0.type == .soa }) { return candidate }
            } catch  where error.code == .refused || error.code == .serverFailure {
                // Not a zone of this server, nor below one: try the parent.
            }
            labels.removeFirst()
        }
        throw DNSError(
            .noZone,
            "cannot find the zone of \(name) at \(server): it answered no SOA record for"
                + " \(asked.joined(separator: ", "))"
                + " (give the zone explicitly, or use the zone's primary server)")
    }

    /// Sends `update` to `zone` (found with `zone(of:)` from the first change's owner when nil) and returns the zone.
    @discardableResult
    public func send(_ update: DNSUpdate, zone given: String? = nil) throws(DNSError) -> String {
        guard let first = update.changes.first else { throw DNSError(.badRecord, "a DNS UPDATE needs a change") }
        let zone: String
        if let given { zone = try DNSName.normalized(given) } else { zone = try self.zone(of: first.name) }
        let what = "DNS UPDATE of zone \(zone) at \(server) (\(update))"
        let id = UInt16.random(in: .min ... .max)
        let unsigned = try update.bytes(id: id, zone: zone)
        var request = unsigned
        var requestMAC: [UInt8] = []
        if let key { (request, requestMAC) = try TSIG.sign(unsigned, key: key, at: TSIG.now()) }
        let address = try SocketAddress(numericHost: server.host, port: server.port)
        let answer: [UInt8]
        do { answer = try DNSTransport.tcp(request, to: address, timeout: timeout) } catch {
            switch error {
            case .timeout:
                throw DNSError(
                    .timeout,
                    "\(what) timed out after \(DNSResolver.seconds(timeout)): the server did not answer, so whether it"
                        + " applied the update is unknown")
            case .refused: throw DNSError(.unreachable, "\(what) failed: nothing listens there (connection refused)")
            case .failed(let reason): throw DNSError(.unreachable, "\(what) failed: \(reason)")
            }
        }
        try check(answer, id: id, requestMAC: requestMAC, what: what, zone: zone)
        return zone
    }

    /// Adds one record. Adding a record that exists already is no error (RFC 2136 section 3.4.2.2 ignores it).
    @discardableResult
    public func add(_ record: DNSUpdateRecord, zone: String? = nil) throws(DNSError) -> String {
        try send(DNSUpdate([.add(record)]), zone: zone)
    }

    /// Deletes one record; deleting one that is not there is no error.
    @discardableResult
    public func delete(_ record: DNSUpdateRecord, zone: String? = nil) throws(DNSError) -> String {
        try send(DNSUpdate([.delete(record)]), zone: zone)
    }

    /// The answer's ID, opcode and TSIG, then its RCODE.
    private func check(_ answer: [UInt8], id: UInt16, requestMAC: [UInt8], what: String, zone: String) throws(DNSError)
    {
        let head: DNSResponse
        let signature: TSIG.Record?
        do {
            head = try DNSResponse(decoding: answer, headOnly: true)
            signature = try TSIG.record(in: answer)
        } catch {
            throw DNSError(.malformedAnswer, "\(what) failed: the answer is malformed: \(error.message)")
        }
        guard head.id == id, head.isResponse, head.opcode == Int(DNSUpdate.opcode) else {
            throw DNSError(.malformedAnswer, "\(what) failed: the answer does not belong to the update")
        }
        let rcode = head.rcode
        if let key {
            if let signature, signature.error != 0 {
                let name = TSIG.errorName(signature.error)
                let why =
                    switch signature.error {
                    case 16: "the server's secret for key \(key.name) differs from the one in \(key.source)"
                    case 17: "the server knows no key \(key.name) with \(key.algorithmName)"
                    case 18: "this host's clock and the server's differ by more than \(TSIG.fudge) s"
                    default: "the server rejected the signature"
                    }
                throw DNSError(.tsig, "\(what) was rejected (\(name)): \(why); nothing was changed")
            }
            if let signature {
                if let problem = try TSIG.problem(with: signature, key: key, requestMAC: requestMAC, now: TSIG.now()) {
                    throw DNSError(
                        .tsig, "\(what): the answer (RCODE \(Self.rcodeName(rcode))) cannot be trusted: \(problem)")
                }
            } else if rcode == 0 {
                throw DNSError(
                    .tsig, "\(what): the server answered NOERROR without a TSIG signature; it cannot be trusted")
            }
        }
        let reason: String
        switch rcode {
        case 0: return
        case 9:
            throw DNSError(
                .notAuthoritative,
                "\(what) was rejected (NOTAUTH): the server is not authoritative for zone \(zone) (send updates to the"
                    + " zone's primary server); nothing was changed")
        case 5:
            throw DNSError(
                .refused,
                "\(what) was refused (REFUSED): the server does not allow this client"
                    + (key.map { " or \($0)" } ?? " without a TSIG key")
                    + " to update zone \(zone); nothing was changed")
        case 6, 7, 8: reason = "a prerequisite does not hold"
        case 10: reason = "a record is outside zone \(zone)"
        case 2: reason = "the server failed to apply it"
        case 4: reason = "the server does not implement UPDATE"
        default: reason = "the server rejected it"
        }
        throw DNSError(
            .updateRejected, "\(what) was rejected (\(Self.rcodeName(rcode))): \(reason); nothing was changed")
    }

    static func rcodeName(_ rcode: Int) -> String {
        let names = [
            0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED", 6: "YXDOMAIN",
            7: "YXRRSET", 8: "NXRRSET", 9: "NOTAUTH", 10: "NOTZONE",
        ]
        return names[rcode] ?? "RCODE \(rcode)"
    }
}
