#!/usr/bin/env python3
"""domq: questions about an HTML document (what `chromium --dump-dom` printed), for tests.

  domq.py FILE count SELECTOR [in ID]   elements matching SELECTOR (inside the element ID)
  domq.py FILE text SELECTOR [in ID]    the text of the first match
  domq.py FILE attr SELECTOR NAME       an attribute of the first match ("" if absent)
  domq.py FILE handlers                 elements with an event-handler attribute (on...)

SELECTOR: TAG (or *), then any of .CLASS and [NAME=VALUE] / [NAME] (no spaces), e.g.
tr.check.fail[data-finding=WS_ACCEPT_MISMATCH], path.arrow, section.session. Parsed with
python's html.parser: the same elements a browser built, counted once each.
"""
import re
import sys
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent = tag, dict(attrs), parent
        self.children, self.text = [], []


class Tree(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", [], None)
        self.cur = self.root
        self.all = []

    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)
        self.all.append(n)
        if tag not in VOID:
            self.cur = n

    def handle_startendtag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)
        self.all.append(n)

    def handle_endtag(self, tag):
        n = self.cur
        while n is not self.root and n.tag != tag:
            n = n.parent
        if n is not self.root:
            self.cur = n.parent

    def handle_data(self, data):
        n = self.cur
        while n is not None:
            n.text.append(data)
            n = n.parent


def matches(node, sel):
    m = re.match(r"^([\w*-]+)", sel)
    tag = m.group(1)
    if tag != "*" and node.tag != tag:
        return False
    classes = node.attrs.get("class", "") or ""
    for c in re.findall(r"\.([\w-]+)", sel):
        if c not in classes.split():
            return False
    for name, _, value in re.findall(r"\[([\w-]+)(=([^\]]*))?\]", sel):
        if name not in node.attrs:
            return False
        if _ and node.attrs[name] != value:
            return False
    return True


def inside(node, ident):
    while node is not None:
        if node.attrs.get("id") == ident:
            return True
        node = node.parent
    return False


def main(argv):
    t = Tree()
    with open(argv[1], encoding="utf-8") as f:
        t.feed(f.read())
    what = argv[2]
    if what == "handlers":
        print(sum(1 for n in t.all if any(a.startswith("on") for a in n.attrs)))
        return 0
    sel = argv[3]
    scope = argv[5] if len(argv) > 5 and argv[4] == "in" else None
    found = [n for n in t.all if matches(n, sel) and (scope is None or inside(n, scope))]
    if what == "count":
        print(len(found))
    elif what == "text":
        print("".join(found[0].text).strip() if found else "")
    elif what == "attr":
        print(found[0].attrs.get(argv[4], "") or "" if found else "")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
