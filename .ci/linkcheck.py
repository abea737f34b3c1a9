#!/usr/bin/env python3
"""Checks the built book's relative links and anchors, and the READMEs' links into docs/.

Usage: linkcheck.py ROOT

- Every href/src in docs/book/**/*.html that is not external (http:, https:, mailto:, ...)
  must name a file that exists in the built book, and its #fragment an id (or name) in that
  file. Same-page #fragments are checked too.
- Every relative markdown link in the READMEs (README.md, each crate's README.md) must name a
  file that exists; the anchor of a link to docs/src/CHAPTER.md#anchor is checked against the
  ids of the built CHAPTER.html.

External links are not fetched. Exits 1 listing every broken link.
"""

import html.parser
import os
import re
import sys
import urllib.parse

READMES = [
    "README.md",
    "alertd/README.md",
    "twilio-core/README.md",
    "twilio-embedded/README.md",
    "tests/twilio-sim/README.md",
]
# Pages mdBook writes for a web server's root, whose links are absolute by design.
SKIP_PAGES = {"404.html"}
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids = set()
        self.links = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name"):
            if attrs.get(key):
                self.ids.add(attrs[key])
        for key in ("href", "src"):
            if attrs.get(key) is not None and tag in ("a", "link", "script", "img", "iframe"):
                self.links.append(attrs[key])


_pages = {}


def page(path):
    if path not in _pages:
        parser = Page()
        with open(path, encoding="utf-8") as f:
            parser.feed(f.read())
        _pages[path] = parser
    return _pages[path]


def check_target(source, base_dir, link, errors, md_to_html=None):
    """Checks one relative link from `source` (resolved against `base_dir`)."""
    if not link or SCHEME.match(link) or link.startswith("//"):
        return
    parsed = urllib.parse.urlsplit(link)
    target_path = urllib.parse.unquote(parsed.path)
    fragment = urllib.parse.unquote(parsed.fragment)
    if target_path.startswith("/"):
        errors.append(f"{source}: absolute link {link!r} (use a relative one)")
        return
    if target_path:
        target = os.path.normpath(os.path.join(base_dir, target_path))
    else:
        target = source
    if md_to_html is not None and os.path.isfile(target) and fragment:
        # A chapter's anchor is an id of its built page.
        target = md_to_html(target)
    if os.path.isdir(target):
        target = os.path.join(target, "index.html")
    if not os.path.exists(target):
        errors.append(f"{source}: {link!r} -> {os.path.relpath(target)} does not exist")
        return
    if fragment and target.endswith(".html") and fragment not in page(target).ids:
        errors.append(f"{source}: {link!r}: no id {fragment!r} in {os.path.relpath(target)}")


def check_book(book, errors):
    count = 0
    for dirpath, _, files in os.walk(book):
        for name in files:
            if not name.endswith(".html") or name in SKIP_PAGES:
                continue
            path = os.path.join(dirpath, name)
            for link in page(path).links:
                count += 1
                check_target(path, dirpath, link, errors)
    return count


MD_LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^(```|~~~)")


def markdown_links(text):
    in_fence = False
    for line in text.splitlines():
        if FENCE.match(line.strip()):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        line = re.sub(r"`[^`]*`", "", line)
        yield from MD_LINK.findall(line)


def check_readmes(root, book, errors):
    src = os.path.join(root, "docs", "src")

    def md_to_html(target):
        # A chapter's source maps to its built page; other files are checked as they are.
        rel = os.path.relpath(target, src)
        if not rel.startswith("..") and rel.endswith(".md"):
            return os.path.join(book, rel[: -len(".md")] + ".html")
        return target

    count = 0
    for readme in READMES:
        path = os.path.join(root, readme)
        if not os.path.exists(path):
            errors.append(f"{readme} does not exist")
            continue
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for link in markdown_links(text):
            if SCHEME.match(link):
                continue
            # Rustdoc intra-doc links (`[x](crate::y)`) are checked by cargo doc, not here.
            if "::" in link:
                continue
            count += 1
            check_target(path, os.path.dirname(path), link, errors, md_to_html)
    return count


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
    book = os.path.join(root, "docs", "book")
    if not os.path.isdir(book):
        sys.exit(f"{book} is missing: run `mdbook build docs` first")
    errors = []
    n_book = check_book(book, errors)
    n_readme = check_readmes(root, book, errors)
    if errors:
        print(f"{len(errors)} broken link(s):")
        for e in errors:
            print("  " + e)
        sys.exit(1)
    print(f"links OK: {n_book} in the book, {n_readme} from the READMEs")


if __name__ == "__main__":
    main()
