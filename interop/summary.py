"""Counts interop test cases across suites from their JUnit XML and prints the closing line.

Usage: python3 interop/summary.py artifacts/interop/suites.txt
Each line of suites.txt is `<suite> <exit code> <junit path>`. A suite that exited non-zero
without recording a failing test case (crash, timeout, collection error) counts as one
failure of its own, so a broken suite can never look green.
"""

import html
import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def cases(junit: Path):
    root = ET.parse(junit).getroot()
    for tc in root.iter("testcase"):
        name = f"{tc.get('classname') or ''}::{tc.get('name')}".lstrip(":")
        if tc.find("failure") is not None or tc.find("error") is not None:
            node = tc.find("failure") if tc.find("failure") is not None else tc.find("error")
            msg = (node.get("message") or node.text or "").strip().splitlines()
            yield name, "failed", html.unescape(msg[0] if msg else "")[:300]
        elif tc.find("skipped") is not None:
            yield name, "skipped", ""
        else:
            yield name, "passed", ""


def main() -> int:
    passed = failed = skipped = 0
    lines = Path(sys.argv[1]).read_text().split("\n")
    print("== interop: results")
    for line in filter(None, lines):
        suite, rc, junit = line.split(" ", 2)
        rc = int(rc)
        p = f = s = 0
        failures = []
        if Path(junit).exists():
            try:
                for name, outcome, msg in cases(Path(junit)):
                    if outcome == "passed":
                        p += 1
                    elif outcome == "skipped":
                        s += 1
                    else:
                        f += 1
                        failures.append(f"{name}: {msg}")
            except ET.ParseError as e:
                failures.append(f"unreadable JUnit report {junit}: {e}")
        if rc != 0 and f == 0:
            f += 1
            failures.append(f"suite exited {rc} without a failing test case (crash or timeout?)")
        print(f"  {suite:8} {p} passed, {f} failed" + (f", {s} skipped" if s else ""))
        for fl in failures:
            print(f"    FAIL {fl}")
        passed, failed, skipped = passed + p, failed + f, skipped + s
    tail = f", {skipped} skipped" if skipped else ""
    print(f"interop: {passed} passed, {failed} failed{tail}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
