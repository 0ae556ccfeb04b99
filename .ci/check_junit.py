"""Fail CI when a test was skipped or a test module ran no tests (a silent gap is a failure)."""

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

report = ET.parse(sys.argv[1]).getroot()
cases = list(report.iter("testcase"))
skipped = [c for c in cases if c.find("skipped") is not None]
ran_modules = {c.get("classname", "").split(".")[1] for c in cases if "." in c.get("classname", "")}
modules = {p.stem for p in Path("tests").glob("test_*.py")}
missing = sorted(modules - ran_modules)
for case in skipped:
    print(f"skipped: {case.get('classname')}::{case.get('name')}")
for name in missing:
    print(f"no test ran from tests/{name}.py")
print(f"{len(cases)} tests ran, {len(skipped)} skipped, {len(missing)} module(s) without tests run")
sys.exit(1 if skipped or missing else 0)
