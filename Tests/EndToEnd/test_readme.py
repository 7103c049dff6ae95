"""The README is for the newcomer: it shows the two set-up commands, and stays short enough to
read (at most 15 KB; depth lives in docs/)."""
import os

from localstack import ROOT


def test_the_readme_shows_the_two_commands_and_stays_under_15_kb():
    with open(os.path.join(ROOT, "README.md"), "rb") as f:
        text = f.read()
    assert len(text) <= 15_000, f"README.md is {len(text)} bytes; move depth into docs/"
    assert b"scripts/demo " in text and b"scripts/test " in text
