#!/usr/bin/env python3
"""check-exports.py — libchain.so exports its public API and nothing else

Usage: check-exports.py LIBRARY HEADER...

Reads the installed headers given: every function declared there must carry
CHAIN_PUBLIC (chain-macros.h), and its name must start with chain_. Then
compares with what `nm -D --defined-only LIBRARY` lists: each exported
symbol must be one of those declarations (so no private function, no
helper without the chain_ prefix, leaks out of the hidden-visibility
build), and each declaration must be exported (or a program using it would
not link). Prints one line per fault; exits 1 on any.
"""
import re
import subprocess
import sys


def strip_comments_and_directives(text):
    text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)
    text = re.sub(r'//[^\n]*', ' ', text)
    text = re.sub(r'\\\n', ' ', text)  # continued preprocessor lines
    text = re.sub(r'^[ \t]*#[^\n]*', ' ', text, flags=re.M)
    # Macros that expand to declarations of their own (static inline
    # autoptr helpers) and carry no semicolon.
    text = re.sub(r'\bG_DEFINE_AUTO\w*\s*\([^)]*\)', ' ', text)
    text = re.sub(r'\bG_(BEGIN|END)_DECLS\b', ' ', text)
    return text


def top_level_statements(text):
    """Yields each statement at brace depth 0, with any braces it holds."""
    depth = 0
    start = 0
    for i, c in enumerate(text):
        if c == '{':
            depth += 1
        elif c == '}':
            depth -= 1
        elif c == ';' and depth == 0:
            yield ' '.join(text[start:i].split())
            start = i + 1


def declarations(header, faults):
    public = set()
    with open(header, encoding='utf-8') as f:
        text = strip_comments_and_directives(f.read())
    for statement in top_level_statements(text):
        if statement == '' or statement.startswith('typedef') or '{' in statement:
            continue
        marked = statement.startswith('CHAIN_PUBLIC ')
        names = re.findall(r'(\w+)\s*\(', statement)
        name = names[0] if names else statement.split()[-1]
        if not marked:
            faults.append(f'{header}: {name} is declared without CHAIN_PUBLIC')
            continue
        if not name.startswith('chain_'):
            faults.append(f'{header}: {name} is public but not named chain_*')
        public.add(name)
    return public


def exported_symbols(library):
    out = subprocess.run(['nm', '-D', '--defined-only', library],
                         check=True, capture_output=True, text=True).stdout
    symbols = set()
    for line in out.splitlines():
        fields = line.split()
        if len(fields) == 3:
            symbols.add(fields[2].split('@')[0])
    return symbols


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    library, headers = argv[1], argv[2:]
    faults = []
    public = set()
    for header in headers:
        public |= declarations(header, faults)
    exported = exported_symbols(library)
    if len(public) < 100:
        faults.append(f'only {len(public)} CHAIN_PUBLIC declarations found: is the header parser broken?')
    for symbol in sorted(exported - public):
        what = 'a private function' if symbol.startswith('chain_') else 'not a chain_ function'
        faults.append(f'{library}: exports {symbol}, {what} (not CHAIN_PUBLIC in an installed header)')
    for symbol in sorted(public - exported):
        faults.append(f'{library}: does not export {symbol}, which an installed header declares')
    for fault in faults:
        print(fault)
    print(f'{len(exported)} symbols exported, {len(public)} public declarations, {len(faults)} faults')
    return 1 if faults else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
