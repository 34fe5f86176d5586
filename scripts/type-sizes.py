#!/usr/bin/env python3
"""The largest types under Sources/: stored properties and lines (declaration plus extensions).

A reading of the braces, not a Swift parser: comments, string literals and multi-line strings
are skipped; a `var` with a `{` and no `=` is computed, any other `let`/`var` directly in the
type's body is stored (static ones are not counted).

    python3 scripts/type-sizes.py [--top N] [ROOT]
"""
import os
import re
import sys

DECLARATION = re.compile(
    r'^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|package|internal|private|fileprivate|final|open|indirect|nonisolated)\s+)*'
    r'(class|struct|actor|enum|extension)\s+([A-Za-z_][\w.]*)')
PROPERTY = re.compile(
    r'^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|package|internal|private|fileprivate|final|open|lazy|weak|unowned|nonisolated|'
    r'(?:private|fileprivate|package|public)\(set\))\s+)*(let|var)\s')


def code_lines(text):
    """Each line with comments and string contents removed."""
    out, in_block_string, in_comment = [], False, False
    for line in text.split('\n'):
        cleaned, i = [], 0
        while i < len(line):
            if in_comment:
                end = line.find('*/', i)
                if end < 0:
                    i = len(line)
                else:
                    in_comment, i = False, end + 2
                continue
            if in_block_string:
                end = line.find('"""', i)
                if end < 0:
                    i = len(line)
                else:
                    in_block_string, i = False, end + 3
                continue
            if line.startswith('"""', i):
                in_block_string, i = True, i + 3
                continue
            if line.startswith('//', i):
                break
            if line.startswith('/*', i):
                in_comment, i = True, i + 2
                continue
            if line[i] == '"':
                j = i + 1
                while j < len(line) and line[j] != '"':
                    j += 2 if line[j] == '\\' else 1
                cleaned.append('""')
                i = j + 1
                continue
            cleaned.append(line[i])
            i += 1
        out.append(''.join(cleaned))
    return out


def measure(root):
    types = {}  # name -> [stored, lines]
    for directory, _, files in os.walk(os.path.join(root, 'Sources')):
        for name in files:
            if not name.endswith('.swift'):
                continue
            lines = code_lines(open(os.path.join(directory, name), encoding='utf-8').read())
            depth, stack = 0, []  # stack of (name, body depth, first line, is extension)
            for number, line in enumerate(lines):
                match = DECLARATION.match(line)
                opening = line.count('{')
                if match and '{' in line:
                    kind, type_name = match.groups()
                    qualified = '.'.join([entry[0] for entry in stack] + [type_name]) if kind != 'extension' else type_name
                    stack.append((qualified, depth + 1, number, kind == 'extension'))
                    types.setdefault(qualified, [0, 0])
                elif stack and depth == stack[-1][1] and not stack[-1][3]:
                    prop = PROPERTY.match(line)
                    if prop and not re.match(r'^\s*(?:\w+\s+)*(static|class)\s', line):
                        computed = prop.group(1) == 'var' and '{' in line and '=' not in line.split('{')[0]
                        if not computed:
                            types[stack[-1][0]][0] += 1
                depth += opening - line.count('}')
                while stack and depth < stack[-1][1]:
                    type_name, _, first, _ = stack.pop()
                    types[type_name][1] += number - first + 1
    return types


def main():
    arguments = sys.argv[1:]
    top = 10
    if arguments[:1] == ['--top']:
        top, arguments = int(arguments[1]), arguments[2:]
    root = arguments[0] if arguments else '.'
    types = measure(root)
    print(f'{"type":40} {"stored":>6} {"lines":>6}')
    for name, (stored, lines) in sorted(types.items(), key=lambda item: (-item[1][1], item[0]))[:top]:
        print(f'{name:40} {stored:6} {lines:6}')
    print()
    print(f'{"most stored properties":40} {"stored":>6} {"lines":>6}')
    for name, (stored, lines) in sorted(types.items(), key=lambda item: (-item[1][0], item[0]))[:top]:
        print(f'{name:40} {stored:6} {lines:6}')


if __name__ == '__main__':
    main()
