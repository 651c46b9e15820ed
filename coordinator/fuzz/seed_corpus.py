#!/usr/bin/env python3
"""Seeds corpus/decode with every frame payload captured between real
clients and a real ZooKeeper 3.8 server (coordinator/src/wire/testdata)."""

import json
import os

here = os.path.dirname(os.path.abspath(__file__))
capture = os.path.join(here, "..", "src", "wire", "testdata", "wire.jsonl")
out = os.path.join(here, "corpus", "decode")
os.makedirs(out, exist_ok=True)
n = 0
with open(capture) as f:
    for line in f:
        frame = json.loads(line)
        if "hex" in frame:
            with open(os.path.join(out, "captured-%03d" % n), "wb") as seed:
                seed.write(bytes.fromhex(frame["hex"]))
            n += 1
print("wrote %d seeds to %s" % (n, out))
