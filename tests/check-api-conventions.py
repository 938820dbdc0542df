#!/usr/bin/env python3
"""check-api-conventions.py — libchain's public headers follow its API conventions

Usage: check-api-conventions.py HEADER...

Checks what a compiler does not:
- every chain_*_finish takes the handle its chain_*_async was called on as
  its first argument, then the GAsyncResult (GIO's convention); an _async
  that works on no handle (its first argument is a path) has a _finish
  that starts with the GAsyncResult.
- every public struct with fields (but options, which the caller fills)
  is documented field by field: a "ChainThing:" comment just before it
  names each field as @field, and says who owns each pointer field with a
  (transfer ...) annotation.
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


STRUCT = re.compile(r'/\*\*((?:(?!\*/).)*)\*/\s*typedef struct \{([^{}]*)\}\s*(Chain\w+);'
                    r'|typedef struct \{([^{}]*)\}\s*(Chain\w+);', re.S)


def field_docs(comment):
    """{field: its text} from a gtk-doc comment's @field: lines."""
    docs = {}
    current = None
    for line in comment.splitlines():
        line = line.strip().lstrip('*').strip()
        m = re.match(r'@(\w+):\s*(.*)', line)
        if m:
            current = m.group(1)
            docs[current] = m.group(2)
        elif current is not None and line:
            docs[current] += ' ' + line
        else:
            current = None
    return docs


def check_structs(header, text, faults):
    text = re.sub(r'^[ \t]*#[^\n]*', ' ', text, flags=re.M)
    text = re.sub(r'/\*(?!\*)(?:(?!\*/).)*\*/', ' ', text, flags=re.S)  # plain comments
    for m in STRUCT.finditer(text):
        comment, body, name = (m.group(1), m.group(2), m.group(3)) if m.group(3) else ('', m.group(4), m.group(5))
        if name.endswith('Options'):
            continue
        if not re.search(r'\b' + name + r':', comment):
            faults.append(f'{header}: {name} has no "{name}:" comment documenting its fields')
            continue
        docs = field_docs(comment)
        for decl in body.split(';'):
            decl = ' '.join(decl.split())
            if not decl:
                continue
            field = re.sub(r'\[.*\]', '', decl).split()[-1].lstrip('*')
            if field not in docs:
                faults.append(f'{header}: {name}.{field} is not documented (@{field}:)')
            elif '*' in decl and '(transfer' not in docs[field]:
                faults.append(f'{header}: {name}.{field} does not say who owns it ((transfer ...))')


def main(headers):
    faults = []
    for header in headers:
        with open(header, encoding='utf-8') as f:
            check_structs(header, f.read(), faults)
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
