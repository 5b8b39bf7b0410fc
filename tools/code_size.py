"""Size of the code at git revisions: lines, long files, long functions.

    python tools/code_size.py a46efb8 HEAD
    python tools/code_size.py HEAD --files 450 --functions 80 --markdown

For each revision: the lines of Python (all lines, and code lines: neither
blank nor comment nor docstring) under ``speechbrain_interp/``, ``recipes/``,
``tools/`` and ``tests/``; then the files of the package, recipes and tools
over ``--files`` lines and their functions over ``--functions`` lines (a
function's lines run from its ``def`` to its last line; in brackets, without
its docstring), each with the revision(s) it is found at. Files that git sees
moved are named by their path at the last revision. Read from ``git show``, so the
working tree is not touched and any two revisions compare.
"""

import argparse
import ast
import io
import subprocess
import sys
import tokenize

AREAS = ("speechbrain_interp", "recipes", "tools", "tests")
#: where long files and functions are looked for (tests are long by nature)
CHECKED = ("speechbrain_interp", "recipes", "tools")


def git(*args):
    """Output of a git command in the current repository."""
    return subprocess.run(["git", *args], check=True, capture_output=True, text=True).stdout


def python_files(rev):
    """Paths of the ``.py`` files of ``rev`` in :data:`AREAS`."""
    names = git("ls-tree", "-r", "--name-only", rev, "--", *AREAS).split()
    return [n for n in names if n.endswith(".py")]


def docstring_lines(tree):
    """Line numbers taken by docstrings (module, classes, functions)."""
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                lines.update(range(body[0].lineno, body[0].end_lineno + 1))
    return lines


def code_lines(text, tree):
    """Lines holding code: not blank, not only a comment, not a docstring."""
    with_tokens = set()
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                              tokenize.DEDENT, tokenize.ENDMARKER):
            with_tokens.update(range(token.start[0], token.end[0] + 1))
    return len(with_tokens - docstring_lines(tree))


def measure(rev, file_limit, function_limit):
    """Totals per area, long files and long functions of ``rev``."""
    totals = {area: [0, 0, 0] for area in AREAS}  # files, lines, code lines
    long_files, long_functions = {}, {}
    for path in python_files(rev):
        text = git("show", f"{rev}:{path}")
        tree = ast.parse(text, filename=path)
        n_lines = len(text.splitlines())
        area = totals[path.split("/")[0]]
        area[0] += 1
        area[1] += n_lines
        area[2] += code_lines(text, tree)
        if not path.startswith(CHECKED):
            continue
        if n_lines > file_limit:
            long_files[path] = n_lines
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > function_limit:
                    doc = node.body[0] if isinstance(node.body[0], ast.Expr) and isinstance(
                        node.body[0].value, ast.Constant) else None
                    without = length - (doc.end_lineno - doc.lineno + 1 if doc else 0)
                    long_functions[f"{path}::{node.name}"] = f"{length} ({without})"
    return totals, long_files, long_functions


def renamed(old, new):
    """Old path -> new path of the files git sees moved between two revisions."""
    out = git("diff", "-M", "--name-status", old, new, "--", *AREAS)
    moves = {}
    for line in out.splitlines():
        fields = line.split("\t")
        if fields[0].startswith("R"):
            moves[fields[1]] = fields[2]
    return moves


def follow(found, moves):
    """``found``'s long files and functions named by their paths after ``moves``."""
    def key(name):
        path, sep, rest = name.partition("::")
        return moves.get(path, path) + sep + rest
    totals, files, functions = found
    return totals, {key(k): v for k, v in files.items()}, {key(k): v for k, v in functions.items()}


def table(header, rows, markdown):
    """Rows as a Markdown table or aligned text."""
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join(fmt.format(*map(str, row)) for row in [header, *rows])


def follow_functions(found, last_functions):
    """A long function that moved to another file under its name (one of that
    name at the last revision, not in the same file) is named where it is now."""
    totals, files, functions = found
    moved = {}
    for key, value in functions.items():
        if key in last_functions:
            moved[key] = value
            continue
        name = key.partition("::")[2]
        now = [k for k in last_functions if k.partition("::")[2] == name and k not in functions]
        moved[now[0] if len(now) == 1 else key] = value
    return totals, files, moved


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("revisions", nargs="+", help="git revisions (e.g. a46efb8 HEAD)")
    parser.add_argument("--files", type=int, default=450, help="a long file has more lines")
    parser.add_argument("--functions", type=int, default=80, help="a long function has more lines")
    parser.add_argument("--markdown", action="store_true", help="Markdown tables")
    args = parser.parse_args(argv)
    revs = [(rev, git("rev-parse", "--short", rev).strip()) for rev in args.revisions]
    found = {short: measure(rev, args.files, args.functions) for rev, short in revs}
    shorts = [short for _, short in revs]
    last = revs[-1][0]
    for rev, short in revs[:-1]:  # earlier revisions' files under their last names
        found[short] = follow(found[short], renamed(rev, last))
        found[short] = follow_functions(found[short], found[shorts[-1]][2])

    rows = []
    for area in AREAS:
        rows.append([area] + [f"{found[s][0][area][1]} ({found[s][0][area][2]} code, "
                              f"{found[s][0][area][0]} files)" for s in shorts])
    rows.append(["total"] + [f"{sum(v[1] for v in found[s][0].values())} "
                             f"({sum(v[2] for v in found[s][0].values())} code)" for s in shorts])
    print(table(["lines of Python"] + shorts, rows, args.markdown))
    for index, (what, limit) in enumerate(((f"files over {args.files} lines", args.files),
                                           (f"functions over {args.functions} lines",
                                            args.functions)), start=1):
        names = sorted(set().union(*(found[s][index] for s in shorts)))
        rows = [[name] + [found[s][index].get(name, "-") for s in shorts] for name in names]
        rows.append(["count"] + [len(found[s][index]) for s in shorts])
        print()
        print(table([what] + shorts, rows, args.markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
