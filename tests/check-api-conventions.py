#!/usr/bin/env python3
"""check-api-conventions.py — libchain's public headers follow its API conventions

Usage: check-api-conventions.py HEADER...

Checks what a compiler does not:
- every chain_*_finish takes the handle its chain_*_async was called on as
  its first argument, then the GAsyncResult (GIO's convention); an _async
  that works on no handle (its first argument is a path) has a _finish
  that starts with the GAsyncResult.
Prints one line per fault; exits 1 on any.
"""
import re
import sys


def strip_comments_and_directives(text):
    text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)
    text = re.sub(r'//[^\n]*', ' ', text)
    text = re.sub(r'\\\n', ' ', text)
    text = re.sub(r'^[ \t]*#[^\n]*', ' ', text, flags=re.M)
    return text


def functions(text):
    """Yields (name, [parameter types]) for each function declaration."""
    for m in re.finditer(r'\b(chain_\w+)\s*\(([^()]*)\)\s*;', text):
        params = [' '.join(p.split()) for p in m.group(2).split(',')]
        # The type is all but the parameter's name.
        types = [re.sub(r'\s*\b\w+$', '', p).replace(' *', '*') for p in params]
        yield m.group(1), types


def handle_type(param_type):
    """The handle a parameter passes, or None for anything else."""
    m = re.fullmatch(r'(?:const )?(Chain\w+)\*', param_type)
    return m.group(1) if m else None


def main(headers):
    faults = []
    decls = {}
    for header in headers:
        with open(header, encoding='utf-8') as f:
            for name, types in functions(strip_comments_and_directives(f.read())):
                decls[name] = (header, types)
    for name, (header, types) in sorted(decls.items()):
        if not name.endswith('_finish'):
            continue
        start = name[:-len('_finish')] + '_async'
        if start not in decls:
            faults.append(f'{header}: {name} has no {start}')
            continue
        handle = handle_type(decls[start][1][0])
        if handle is None:
            if types[0] != 'GAsyncResult*':
                faults.append(f'{header}: {name}: {start} works on no handle, so the GAsyncResult comes first')
        elif len(types) < 2 or handle_type(types[0]) != handle or types[1] != 'GAsyncResult*':
            faults.append(f'{header}: {name} must take ({handle} *, GAsyncResult *, ...), '
                          f'the handle {start} was called on first')
    for fault in faults:
        print(fault)
    return 1 if faults else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
