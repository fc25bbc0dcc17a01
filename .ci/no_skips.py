"""Fail when a pytest JUnit report holds a skipped test, naming each: CI runs every test or fails."""

import sys
import xml.etree.ElementTree as ET


def skipped(report: str) -> list[tuple[str, str]]:
    return [(case.get("classname", "") + "::" + case.get("name", ""), s.get("message", ""))
            for case in ET.parse(report).iter("testcase") for s in case.findall("skipped")]


if __name__ == "__main__":
    found = skipped(sys.argv[1])
    for name, why in found:
        print(f"ci: skipped {name}: {why}")
    if found:
        print(f"ci: {len(found)} test(s) skipped; CI runs every test, so that is a failure")
        sys.exit(1)
