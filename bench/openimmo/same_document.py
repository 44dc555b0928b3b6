#!/usr/bin/env python3
"""Streams two OpenImmo files and checks they hold the same elements, attributes and texts
(quoting and escaping may differ). usage: same_document.py A.xml B.xml"""
import sys
from itertools import zip_longest

from lxml import etree


def events(path):
    for event, el in etree.iterparse(path, events=("start", "end")):
        if event == "start":
            yield ("start", el.tag, tuple(sorted(el.attrib.items())))
        else:
            yield ("end", el.tag, (el.text or "").strip())
            el.clear(keep_tail=True)


def main():
    a, b = sys.argv[1], sys.argv[2]
    n = 0
    for n, (x, y) in enumerate(zip_longest(events(a), events(b)), 1):
        if x != y:
            print(f"documents differ at event {n}: {x} != {y}")
            sys.exit(1)
    print(f"same document: {n} parse events identical")


if __name__ == "__main__":
    main()
