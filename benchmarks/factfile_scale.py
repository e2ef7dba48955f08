"""Fact-file scale benchmark: `caucasus-kg validate` of generated fact files, with time and peak RSS.

    .venv/bin/python benchmarks/factfile_scale.py                       # 100k facts in 100 files
    .venv/bin/python benchmarks/factfile_scale.py --files 1             # 100k facts in one file
    .venv/bin/python benchmarks/factfile_scale.py --facts 10000 --files 10 --keep DIR

The project is the shipped one (a copy of the curated files) with ``--facts`` generated facts
spread over ``--files`` fact files under graphs/bench/, each with its own source text holding
every quote: one in ten facts declares a media outlet, the others are arms transfers between
them and the shipped states, each with a quote, a designation, an order year and a number
ordered. The command runs in its own process; its wall time and peak RSS (``wait4``'s
``ru_maxrss``) are printed, with the targets (under a minute and 1 GB for 100k facts). The
generated files are the same for the same arguments (no randomness).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from project_files import copy_project  # noqa: E402 - the curated files the tests use too

TARGET_SECONDS = 60.0
TARGET_RSS_MB = 1024.0
STATES = ("russia", "azerbaijan", "armenia", "israel", "turkiye", "united-states")


def fact_file(number: int, first: int, count: int) -> tuple[str, str]:
    """The YAML and the source text of file ``number`` with facts ``first`` .. first+count-1."""
    tag = f"{number:05d}"
    source = f"bench-source-{tag}"
    text: list[str] = []
    actors: list[str] = [f"""\
  - id: bench-desk-{tag}
    type: MediaOutlet
    label: Bench Desk {tag}
"""]
    events: list[str] = []
    outlets = [f"bench-desk-{tag}"]
    for index in range(first, first + count):
        if index % 10 == 0:
            slug = f"bench-outlet-{index:07d}"
            outlets.append(slug)
            actors.append(f"""\
  - id: {slug}
    type: MediaOutlet
    label: Bench Outlet {index:07d}
    aliases: [Outlet number {index}]
""")
            continue
        supplier = STATES[index % len(STATES)]
        recipient = STATES[(index + 1) % len(STATES)]
        year = 1950 + index % 70
        sentence = (f"In {year} {supplier} ordered {index % 97 + 1} units of the "
                    f"Bench-{index:07d} system for {recipient}.")
        text.append(sentence)
        events.append(f"""\
  - id: bench-transfer-{index:07d}
    type: ArmsTransfer
    label: Bench-{index:07d} from {supplier} to {recipient}
    supplier: {supplier}
    recipient: {recipient}
    designation: Bench-{index:07d}
    order_year: {year}
    number_ordered: {index % 97 + 1}
    evidence:
      - quote: {sentence}
        attributed_to: {outlets[-1]}
""")
    header = f"""\
source:
  id: {source}
  title: Benchmark source {tag}
  text: sources/{source}.txt
  publisher: bench-desk-{tag}
actors:
"""
    return header + "".join(actors) + "events:\n" + "".join(events), "\n".join(text) + "\n"


def generate(root: Path, facts: int, files: int) -> int:
    """Write the fact files under ``root``/graphs/bench; returns their total size in bytes."""
    folder = root / "graphs" / "bench"
    (folder / "sources").mkdir(parents=True, exist_ok=True)
    per_file, extra = divmod(facts, files)
    first, size = 0, 0
    for number in range(files):
        count = per_file + (1 if number < extra else 0)
        yaml_text, source_text = fact_file(number, first, count)
        (folder / f"bench-{number:05d}.yaml").write_text(yaml_text, "utf-8")
        (folder / "sources" / f"bench-source-{number:05d}.txt").write_text(source_text, "utf-8")
        size += len(yaml_text.encode()) + len(source_text.encode())
        first += count
    return size


def measure(command: list[str], env: dict[str, str]) -> tuple[float, float, float, int, str]:
    """Wall seconds, CPU seconds, peak RSS in MB, exit code and the tail of stderr of one
    process (the CPU time is what to compare on a machine shared with other work)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        errors.seek(0)
        tail = errors.read()[-2000:].decode("utf-8", "replace")
    cpu = usage.ru_utime + usage.ru_stime
    return seconds, cpu, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status), tail


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--facts", type=int, default=100_000)
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--keep", type=Path, help="write the project here and keep it")
    args = parser.parse_args(argv)
    if args.facts < 1 or not 1 <= args.files <= args.facts:
        parser.error("give at least one fact, and between 1 and --facts files")
    work = args.keep or Path(tempfile.mkdtemp(prefix="caucasus-kg-factfile-scale-"))
    try:
        root = copy_project(work / "project")
        size = generate(root, args.facts, args.files)
        env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
        command = [sys.executable, "-m", "caucasus_kg.cli", "--project", str(root), "validate"]
        seconds, cpu, rss, code, tail = measure(command, env)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    verdict = ("PASS" if seconds <= TARGET_SECONDS and rss <= TARGET_RSS_MB else "MISS") \
        if args.facts >= 100_000 else "(targets are for 100k facts)"
    print("| facts | files | input MB | exit | wall s | CPU s | peak RSS MB | target |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| {args.facts:,} | {args.files:,} | {size / 1e6:.1f} | {code} | {seconds:.1f} | "
          f"{cpu:.1f} | {rss:.0f} | {verdict} |")
    if code != 0:
        print(f"validate exited {code}:\n{tail}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
