"""Cross-checking imported SIPRI deals against SIPRI's TIV tables.

SIPRI publishes, per supplier and recipient, the TIV delivered each year. Its own tables spread
a deal by the units delivered each year; the classic trade register records only a deal's
delivery years and its totals, so a deal is spread here the way ``queries/deliveries-per-year.rq``
spreads it: its units evenly over its delivery years as whole numbers, the remainder going to
the latest years (7 units over 2015-2017: 2, 2, 3), and its TIV delivered in proportion to the
units (evenly over the years when it records no units).

Run on the full files::

    python -m caucasus_kg.sources.importers.tivcheck REGISTER.csv import_tiv.csv \\
        --supplier Israel --recipient Azerbaijan
    python -m caucasus_kg.sources.importers.tivcheck REGISTER.csv import_tiv.csv --all
"""

from __future__ import annotations

import argparse
import csv
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from caucasus_kg.sources.importers import sipri
from caucasus_kg.sources.importers.names import NameResolver

ABSOLUTE_TOLERANCE = Decimal(5)
RELATIVE_TOLERANCE = Decimal("0.05")
"""A year agrees when it differs from SIPRI's table by at most 5 TIV or 5 %, whichever is more:
the table is rounded to whole TIV, comes from another SIPRI release, and the register's deals
are spread over their years by the approximation above."""


def spread(transfer: sipri.Transfer) -> dict[str, tuple[int, Decimal]]:
    """Year -> (units, TIV) delivered that year, by the rule above."""
    years = sorted(set(transfer.delivery_years))
    if not years or transfer.tiv_delivered is None:
        return {}
    count = len(years)
    delivered = transfer.number_delivered or 0
    base, remainder = divmod(delivered, count)
    out = {}
    for rank, year in enumerate(years):
        units = base + (1 if rank >= count - remainder else 0)
        tiv = (transfer.tiv_delivered * units / delivered if delivered
               else transfer.tiv_delivered / count)
        out[year] = (units, tiv)
    return out


def per_year(transfers: Iterable[sipri.Transfer], supplier: str | None = None,
             recipient: str | None = None) -> dict[tuple[str, str], dict[str, Decimal]]:
    """(supplier id, recipient id) -> year -> TIV delivered, for one pair or all."""
    names = NameResolver()
    want = (names.resolve(supplier).slug if supplier else None,
            names.resolve(recipient).slug if recipient else None)
    totals: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for transfer in transfers:
        pair = (names.resolve(transfer.supplier).slug, names.resolve(transfer.recipient).slug)
        if want[0] and pair[0] != want[0] or want[1] and pair[1] != want[1]:
            continue
        for year, (_units, tiv) in spread(transfer).items():
            totals[pair][year] += tiv
    return totals


def read_tiv_table(path: Path, supplier: str | None = None, recipient: str | None = None
                   ) -> dict[tuple[str, str], dict[str, Decimal]]:
    """SIPRI's long TIV table (``Import_To,Export_From,Year,TIV`` or ``Export_From,Import_To,
    ...``) -> (supplier id, recipient id) -> year -> TIV; the ``All`` and ``Total`` rows and
    the ``Total`` year are left out."""
    names = NameResolver()
    want = (names.resolve(supplier).slug if supplier else None,
            names.resolve(recipient).slug if recipient else None)
    table: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(dict)
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            parties = {row["Export_From"], row["Import_To"]}
            if parties & {"All", "Total"} or not row["Year"].isdigit():
                continue
            pair = (names.resolve(row["Export_From"]).slug, names.resolve(row["Import_To"]).slug)
            if want[0] and pair[0] != want[0] or want[1] and pair[1] != want[1]:
                continue
            table[pair][row["Year"]] = Decimal(row["TIV"])
    return table


@dataclass(frozen=True)
class YearCheck:
    year: str
    register: Decimal
    table: Decimal

    @property
    def difference(self) -> Decimal:
        return self.register - self.table

    @property
    def agrees(self) -> bool:
        allowed = max(ABSOLUTE_TOLERANCE, RELATIVE_TOLERANCE * self.table)
        return abs(self.difference) <= allowed


def compare(register: dict[str, Decimal], table: dict[str, Decimal],
            first: int | None = None, last: int | None = None) -> list[YearCheck]:
    """Every year either side has (within ``first``..``last``), register against table."""
    years = sorted(y for y in set(register) | set(table)
                   if (first is None or int(y) >= first) and (last is None or int(y) <= last))
    return [YearCheck(y, register.get(y, Decimal(0)), table.get(y, Decimal(0))) for y in years]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("register", type=Path, help="a SIPRI trade register (classic layout)")
    parser.add_argument("table", type=Path, help="a SIPRI TIV table (long format)")
    parser.add_argument("--supplier")
    parser.add_argument("--recipient")
    parser.add_argument("--all", action="store_true",
                        help="check every pair and print how many pair-years agree")
    parser.add_argument("--last-year", type=int, default=None,
                        help="ignore years after this one (the table's vintage)")
    args = parser.parse_args(argv)
    register = per_year(sipri.parse(args.register).records,  # type: ignore[arg-type]
                        args.supplier, args.recipient)
    table = read_tiv_table(args.table, args.supplier, args.recipient)
    last = args.last_year or max((int(y) for t in table.values() for y in t), default=None)
    if not args.all:
        pair = next(iter(table or register), None)
        if pair is None:
            print("no deliveries for that pair in either file")
            return 1
        print("year  register  table  difference  agrees")
        checks = compare(register.get(pair, {}), table.get(pair, {}), last=last)
        for c in checks:
            print(f"{c.year}  {c.register:8.2f}  {c.table:5.0f}  {c.difference:+10.2f}  "
                  f"{'yes' if c.agrees else 'NO'}")
        ours = sum(c.register for c in checks)
        theirs = sum(c.table for c in checks)
        print(f"total {ours:.2f} against {theirs:.0f} "
              f"({(ours - theirs) / theirs * 100 if theirs else 0:+.1f} %)")
        return 0 if all(c.agrees for c in checks) else 1
    checks = [c for pair in sorted(set(register) | set(table))
              for c in compare(register.get(pair, {}), table.get(pair, {}), last=last)]
    agree = sum(c.agrees for c in checks)
    print(f"{len(checks)} pair-years up to {last}: {agree} agree within "
          f"{ABSOLUTE_TOLERANCE} TIV or {RELATIVE_TOLERANCE * 100:.0f} % "
          f"({agree / len(checks) * 100:.1f} %)")
    ours = sum(c.register for c in checks)
    theirs = sum(c.table for c in checks)
    print(f"total {ours:.0f} against {theirs:.0f} ({(ours - theirs) / theirs * 100:+.1f} %)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
