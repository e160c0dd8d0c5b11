#!/usr/bin/python3
"""How a server took 100 certificate switches under load, for listener-benchmark.sh. Standard library only.

    reload_report.py RECORDS SWITCHES FINGERPRINTS INITIAL_VERSION [STALE_MS]

RECORDS       loadgen --records: "start_ns end_ns result leafsha256hex" per session (CLOCK_REALTIME)
SWITCHES      "time_ns version" per switch, the time taken just before the rename of current
FINGERPRINTS  "version sha256hex" per version
INITIAL_VERSION  the version in service before the first switch

For each switch, the delay until the new certificate is served is the end of the first session that started
after the switch and got the new leaf, minus the time of the switch: it counts the whole session in which the
client first saw the new certificate. A session is stale when it started more than STALE_MS (default 50) after
the latest switch and still got a leaf that switch had replaced.

Prints a key=value line for the benchmark's table, then lines for people.
"""
import bisect
import statistics
import sys


def main(argv):
    if len(argv) not in (4, 5):
        sys.exit(__doc__)
    records_path, switches_path, fingerprints_path, initial = argv[:4]
    stale_ns = int(float(argv[4]) * 1e6) if len(argv) == 5 else 50_000_000

    fingerprint = {}
    with open(fingerprints_path) as f:
        for line in f:
            version, digest = line.split()
            fingerprint[version] = digest.lower().replace(":", "")
    switches = []
    with open(switches_path) as f:
        for line in f:
            at, version = line.split()
            switches.append((int(at), version))
    switches.sort()
    sessions = []
    with open(records_path) as f:
        for line in f:
            start, end, result, leaf = line.split()
            sessions.append((int(start), int(end), result, leaf))
    sessions.sort()

    failed = {}
    for _, _, result, _ in sessions:
        if result != "ok":
            failed[result] = failed.get(result, 0) + 1
    ok = [s for s in sessions if s[2] == "ok"]
    ok_starts = [s[0] for s in ok]

    delays_ms, never = [], 0
    for at, version in switches:
        want = fingerprint[version]
        first = next((s for s in ok[bisect.bisect_right(ok_starts, at) :] if s[3] == want), None)
        if first is None:
            never += 1
        else:
            delays_ms.append((first[1] - at) / 1e6)

    # Stale: a leaf that was already replaced when the session started (by more than STALE_MS). A session may also
    # get a newer leaf than the one in service when it connected, if a switch came before its handshake: fine.
    times = [at for at, _ in switches]
    era = {fingerprint[initial]: -1}  # leaf -> index of the switch that put it in service
    for index, (_, version) in enumerate(switches):
        era[fingerprint[version]] = index
    stale = unknown = 0
    for start, _, _, leaf in ok:
        current = bisect.bisect_left(times, start) - 1
        if leaf not in era:
            unknown += 1
        elif era[leaf] < current and start - times[current] > stale_ns:
            stale += 1

    median = statistics.median(delays_ms) if delays_ms else float("nan")
    worst = max(delays_ms) if delays_ms else float("nan")
    total_failed = sum(failed.values())
    print(
        f"switches={len(switches)} served={len(delays_ms)} never_served={never} delay_median_ms={median:.1f} "
        f"delay_max_ms={worst:.1f} sessions={len(sessions)} failed={total_failed} stale={stale} unknown_leaf={unknown}"
    )
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(failed.items()))
    print(f"  {len(sessions)} sessions during {len(switches)} switches, {total_failed} failed" + (f" ({kinds})" if kinds else ""))
    print(
        f"  new certificate served after a median {median:.1f} ms, at most {worst:.1f} ms"
        + (f"; {never} switch(es) never served" if never else "")
    )
    print(f"  {stale} session(s) started more than {stale_ns / 1e6:.0f} ms after a switch and still got the old certificate")
    if unknown:
        print(f"  {unknown} session(s) got a certificate that is none of the store's versions")


if __name__ == "__main__":
    main(sys.argv[1:])
