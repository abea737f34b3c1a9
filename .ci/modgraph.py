#!/usr/bin/env python3
"""Import graph of a crate's top-level modules, from the `crate::` paths of non-test code.

usage: modgraph.py SRC_DIR [--enforce]

Prints every edge and every cycle (strongly connected component). With --enforce, a cycle
fails (exit 1); without it, cycles are only reported. `#[cfg(test)]` modules and comments are
left out: tests may reach across layers, the shipped code may not. `super::` from a file
directly under SRC_DIR names the crate root and counts like `crate::`.
"""
import os
import re
import sys


def strip_tests(src):
    out, i = [], 0
    pattern = re.compile(r'#\[cfg\(test\)\]\s*(pub(\([^)]*\))?\s+)?mod\s+\w+\s*\{')
    while True:
        m = pattern.search(src, i)
        if not m:
            out.append(src[i:])
            return ''.join(out)
        out.append(src[i:m.start()])
        j, depth = m.end(), 1
        while depth and j < len(src):
            depth += {'{': 1, '}': -1}.get(src[j], 0)
            j += 1
        i = j


def module_edges(root):
    edges = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            if not name.endswith('.rs'):
                continue
            path = os.path.join(dirpath, name)
            parts = os.path.relpath(path, root).split(os.sep)
            top = parts[0][:-3] if len(parts) == 1 else parts[0]
            if top in ('lib', 'main'):
                continue
            with open(path, encoding='utf-8') as f:
                src = strip_tests(f.read())
            src = re.sub(r'//[^\n]*', '', src)
            prefixes = r'crate' if len(parts) > 1 or top == 'mod' else r'(?:crate|super)'
            targets = set(re.findall(prefixes + r'::(\w+)', src))
            for group in re.findall(prefixes + r'::\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}', src):
                depth, token, names = 0, '', []
                for ch in group + ',':
                    if ch == '{':
                        depth += 1
                    elif ch == '}':
                        depth -= 1
                    if ch == ',' and depth == 0:
                        names.append(token.strip())
                        token = ''
                    else:
                        token += ch
                targets.update(re.match(r'\w+', n).group(0) for n in names if re.match(r'\w+', n))
            for t in targets - {top, 'self'}:
                edges.setdefault(top, set()).add(t)
    return edges


def cycles(edges):
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    nodes = sorted(set(edges) | {t for ts in edges.values() for t in ts})
    for v in nodes:
        if v not in index:
            visit(v)
    return nodes, found


def main():
    root = sys.argv[1]
    enforce = '--enforce' in sys.argv[2:]
    edges = module_edges(root)
    nodes, found = cycles(edges)
    print(f'{root}: {len(nodes)} modules, {sum(len(v) for v in edges.values())} edges')
    for k in sorted(edges):
        print(f'  {k} -> {" ".join(sorted(edges[k]))}')
    for c in found:
        print(f'  CYCLE: {" <-> ".join(c)}')
    if not found:
        print('  acyclic')
    return 1 if found and enforce else 0


if __name__ == '__main__':
    sys.exit(main())
