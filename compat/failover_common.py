"""Shared by compat/*_failover.py: the kill hook and the read-back check."""
import subprocess
import sys


def fail(msg):
    print(msg)
    sys.exit(1)


def run_hook(hook):
    """Runs HOOK (a bash command, e.g. one that SIGKILLs a partition leader)
    between the two halves of the produce; returns its last output line."""
    r = subprocess.run(["bash", "-c", hook], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    out = r.stdout.decode(errors="replace").strip()
    if r.returncode != 0:
        fail("hook %r failed: %s" % (hook, out))
    return out.splitlines()[-1] if out else ""


def check_read(acked, read, exactly_once):
    """acked: values acknowledged; read: values consumed (log order per
    partition). Every acknowledged value must be read: exactly once, or at
    least once. Returns the summary line."""
    counts = {}
    for v in read:
        counts[v] = counts.get(v, 0) + 1
    lost = [v for v in acked if v not in counts]
    if lost:
        fail("%d of %d acknowledged records not read back, e.g. %r" % (len(lost), len(acked), lost[:3]))
    dups = sum(c - 1 for c in counts.values() if c > 1)
    if exactly_once and dups:
        fail("%d duplicate records read (want exactly once), e.g. %r"
             % (dups, [v for v, c in counts.items() if c > 1][:3]))
    return "%d acknowledged, all read back %s (%d records read, %d duplicates)" % (
        len(acked), "exactly once" if exactly_once else "at least once", len(read), dups)
