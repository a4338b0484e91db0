#!/usr/bin/env python3
"""Print one line per distinct PAR2 packet (type and MD5 of the packet, with
the set ID) found in the given files, Creator packets left out, sorted.
Used by the par2 CLI tests to compare our packets with par2cmdline's."""
import hashlib
import sys

seen = set()
for path in sys.argv[1:]:
    data = open(path, "rb").read()
    i = 0
    while True:
        i = data.find(b"PAR2\0PKT", i)
        if i < 0 or i + 64 > len(data):
            break
        n = int.from_bytes(data[i + 8:i + 16], "little")
        body = data[i + 32:i + n]
        if n < 64 or i + n > len(data) or hashlib.md5(body).digest() != data[i + 16:i + 32]:
            i += 8
            continue
        ptype = data[i + 48:i + 64].rstrip(b"\0").decode("ascii", "replace").replace("\0", " ")
        if "Creator" not in ptype:
            seen.add("%s %s %d" % (ptype, data[i + 16:i + 32].hex(), n))
        i += n
for line in sorted(seen):
    print(line)
