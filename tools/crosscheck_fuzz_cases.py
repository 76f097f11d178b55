#!/usr/bin/env python3
"""Compares vlmq's verdict on the fuzz cases with Python safetensors' (a by-hand check; tests never run Python).

  mvn -B -q -ntp test -Dtest='vlmq.io.safetensors.SafetensorsFuzzTest' -Dvlmq.fuzz.dump=/tmp/fuzzcases
  python3 tools/crosscheck_fuzz_cases.py /tmp/fuzzcases

Each case N.accepted.safetensors / N.rejected.safetensors is opened with safe_open and every tensor read;
the script prints how often the two readers agree and every case where they do not, with its mutation.
The cases are seeded, so both surefire passes write the same files.
"""
import collections
import os
import sys

from safetensors import safe_open


def python_accepts(path: str) -> tuple[bool, str]:
    try:
        with safe_open(path, "pt") as f:
            for k in f.keys():
                f.get_tensor(k)
        return True, ""
    except Exception as e:  # noqa: BLE001 - any refusal counts as one
        return False, str(e)[:160]


def main(folder: str):
    tally = collections.Counter()
    disagreements = []
    cases = [n for n in os.listdir(folder) if n.endswith(".safetensors")]
    for name in sorted(cases, key=lambda n: int(n.split(".")[0])):
        ours = ".accepted." in name
        theirs, error = python_accepts(os.path.join(folder, name))
        tally[(ours, theirs)] += 1
        if ours != theirs:
            with open(os.path.join(folder, name.split(".")[0] + ".txt")) as f:
                disagreements.append((name, f.read(), error))
    print(f"{len(cases)} cases: both accept {tally[(True, True)]}, both reject {tally[(False, False)]}, "
          f"only vlmq accepts {tally[(True, False)]}, only Python accepts {tally[(False, True)]}")
    for d in disagreements:
        print(*d, sep=" | ")


if __name__ == "__main__":
    main(sys.argv[1])
