#!/usr/bin/env python3
"""Touches MIB mebibytes of anonymous memory in transparent huge pages, then exits.

The benchmark scripts run it right before each measured command. On the VM the figures
come from, memory the guest leaves free for a few seconds goes back to the host (free page
reporting), and the next program that touches it pays for getting it back: up to 3 s of
system time for a program of 900 MiB, 1.5 s of wall time. Which measured command pays
depended on what ran before it and for how long. After this primer, each one starts with
the same amount of memory ready, whatever ran before (the primer's own time is not
measured).

usage: prime-memory.py MIB
"""
import mmap
import sys


def main() -> int:
    try:
        mib = int(sys.argv[1])
    except (IndexError, ValueError):
        print("usage: prime-memory.py MIB", file=sys.stderr)
        return 2
    if mib <= 0:
        return 0
    size = mib << 20
    m = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    if hasattr(mmap, "MADV_HUGEPAGE"):
        # The tool's allocator takes memory in huge pages: ready huge pages are what it needs.
        m.madvise(mmap.MADV_HUGEPAGE)
    for i in range(0, size, 4096):
        m[i] = 1
    m.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
