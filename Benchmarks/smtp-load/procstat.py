#!/usr/bin/python3
"""Memory and CPU of a server's processes, for listener-benchmark.sh. Standard library only.

    procstat.py ROOT_PID [MATCH]          prints "processes=N pss_kib=K cpu_s=S"
    procstat.py --snapshot ROOT_PID [MATCH]   prints "PID:STARTTIME ..." for --kill-survivors
    procstat.py --kill-survivors PID:STARTTIME ...   SIGKILLs those still alive (same start time: not a reused PID)

The processes are ROOT_PID, all its descendants, and every process whose command line contains MATCH: for Postfix
the master and every daemon it forked (smtpd, qmgr, tlsmgr, ...), for mailcert its one process.

pss_kib sums PSS (proportional set size) from /proc/PID/smaps_rollup: each shared page is charged in equal parts to
the processes that map it, so a thousand forked smtpd count their common libraries once, as the kernel pays for
them, and the sum is what the server really costs in memory.

cpu_s is user + system time of those processes plus that of the children ROOT_PID has already reaped, so the
difference of two readings is what the server used in between, including workers that exited meanwhile.
"""
import os
import signal
import sys

TICK = os.sysconf("SC_CLK_TCK")


def stat_fields(pid):
    """The fields of /proc/PID/stat after the command name (which may hold spaces and parentheses)."""
    with open(f"/proc/{pid}/stat") as f:
        text = f.read()
    return text[text.rindex(")") + 2 :].split()


def server_pids(root, match):
    parent = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                parent[int(name)] = int(stat_fields(name)[1])
            except (OSError, ValueError):
                pass  # gone meanwhile
    chosen = {root} if root in parent else set()
    if match:
        for pid in parent:
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    if match.encode() in f.read():
                        chosen.add(pid)
            except OSError:
                pass
    # Descendants: repeat until nothing new, since a child may be listed before its parent.
    grown = True
    while grown:
        grown = False
        for pid, ppid in parent.items():
            if ppid in chosen and pid not in chosen:
                chosen.add(pid)
                grown = True
    return sorted(chosen)


def pss_kib(pid):
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith("Pss:"):
                return int(line.split()[1])
    return 0


def cpu_seconds(pid, fields):
    """CPU time of a live process. utime + stime count whole clock ticks, and a short-lived worker loses up to a
    tick, while the parent's cutime gets its exact time when it is reaped: a worker that exits between two
    readings would be counted too high. The scheduler's runtime per thread (schedstat) is exact but misses
    threads that have exited. Both are lower bounds; the larger is the better one."""
    from_ticks = (int(fields[11]) + int(fields[12])) / TICK  # utime, stime: fields 14, 15 of proc(5)
    runtime_ns = 0
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                runtime_ns += int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        pass
    return max(from_ticks, runtime_ns / 1e9)


def measure(root, match):
    count, pss, cpu = 0, 0, 0.0
    for pid in server_pids(root, match):
        try:
            fields = stat_fields(pid)
            cpu += cpu_seconds(pid, fields)
            if pid == root:
                cpu += (int(fields[13]) + int(fields[14])) / TICK  # cutime, cstime: its reaped children
            pss += pss_kib(pid)
            count += 1
        except (OSError, ValueError, IndexError):
            pass  # exited between the listing and the reading; a zombie has no smaps
    print(f"processes={count} pss_kib={pss} cpu_s={cpu:.3f}")


def snapshot(root, match):
    tokens = []
    for pid in server_pids(root, match):
        try:
            tokens.append(f"{pid}:{stat_fields(pid)[19]}")  # field 22: start time since boot
        except (OSError, IndexError):
            pass
    print(" ".join(tokens))


def kill_survivors(tokens):
    for token in tokens:
        pid, start = token.split(":")
        try:
            if stat_fields(pid)[19] == start:
                os.kill(int(pid), signal.SIGKILL)
        except (OSError, IndexError):
            pass


def main(argv):
    if len(argv) >= 2 and argv[0] == "--kill-survivors":
        kill_survivors(argv[1:])
    elif len(argv) in (2, 3) and argv[0] == "--snapshot":
        snapshot(int(argv[1]), argv[2] if len(argv) == 3 else None)
    elif len(argv) in (1, 2) and argv[0].isdigit():
        measure(int(argv[0]), argv[1] if len(argv) == 2 else None)
    elif argv[:1] == ["--kill-survivors"]:
        pass  # nothing to kill
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
