#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Holds the docs to the tree (tests/docs/test-docs.sh runs it).

    check-docs.py [--tree DIR] [--modsign BIN] CHECK...
    check-docs.py [--tree DIR] --extract NAME

CHECK is one of:
  messages  every `modsign: ...` message quoted in the docs is printed by
            the source (sign/, scripts/, mok-enroll.sh, Makefile)
  targets   every `make TARGET` named is in `make help`
  options   every `modsign CMD --option` quoted is in `modsign CMD --help`,
            and every `modsign CMD` names a command of modsign's table
  paths     every repository path quoted in backticks (`scripts/x.sh`) is
            tracked by git, or is one git ignores (build output, keys);
            the kernel's scripts/sign-file and Makefile.modinst excepted
  links     every relative markdown link resolves, anchors included
  layout    docs/design.md's layout table matches the tree
--extract NAME prints the fenced block after `<!-- output: NAME -->`.

The docs are README.md, docs/*.md and every other tracked README.md. Each
problem is printed as `FILE:LINE: CHECK: what`; the exit status is 1 when
there is one, 2 for a usage error.

The matching rule for messages (docs/testing.md says it too): after
`modsign: ` and a level (`ERROR: `, `warning: `, `notice: `), the quoted
message must match one source string whole, where a printf conversion
(%s, %zu, ...) or a shell expansion ($x, ${x}, $(...), $*) in the source,
and `...` or `<words>` in the doc, stand for any text. A source string
counts only with a run of at least 8 characters of fixed text, and that
run must be in the quoted message. Quotes with fewer than 10 letters of
fixed text (`modsign: ERROR: ...`) are not checked.
"""
import os
import re
import subprocess
import sys

WILD = None  # a placeholder of the source: any text
ELIDE = ("...",)  # the doc's `...`: any text
VALUE = ("<>",)  # the doc's `<words>`: a value, any text without a space
LEVEL = re.compile(r"^(?:modsign: )?(?:(?:ERROR|warning|notice|error|note): )?")
CONV = re.compile(r"%(?:%|[-+ #0']*(?:\*|\d+)?(?:\.(?:\*|\d+))?(?:hh|h|ll|l|z|j|t|L)?[diouxXeEfFgGcsp])")
DOC_WILD = re.compile(r"(\.\.\.|…|<[^<>]+>)")
COMMANDS_LINE = re.compile(r"^  ([a-z]+)\s{2,}")

problems = []


def problem(path, line, check, what):
    problems.append(f"{path}:{line}: {check}: {what}")


def git(tree, *args, stdin=None):
    return subprocess.run(["git", "-C", tree, *args], input=stdin, capture_output=True,
                          text=True, check=False).stdout


# ---- reading the docs ----

class Doc:
    def __init__(self, tree, rel):
        self.rel = rel
        self.path = os.path.join(tree, rel)
        with open(self.path, encoding="utf-8") as f:
            self.text = f.read()
        self.lines = self.text.split("\n")
        # fenced blocks: (first line number of content, lang, [lines])
        self.blocks = []
        self.prose = []  # lines outside fences, "" inside them
        fence = None
        for i, l in enumerate(self.lines):
            m = re.match(r"^\s*(```+|~~~+)\s*(\S*)", l)
            if fence is None and m:
                fence = m.group(1)
                self.blocks.append((i + 2, m.group(2), []))
                self.prose.append("")
            elif fence is not None and l.strip().startswith(fence):
                fence = None
                self.prose.append("")
            elif fence is not None:
                self.blocks[-1][2].append(l)
                self.prose.append("")
            else:
                self.prose.append(l)

    def spans(self):
        """Inline code spans outside fences: (line, text), a span across a
        line break joined with a space."""
        text = "\n".join(self.prose)
        # HTML comments are not prose
        text = re.sub(r"<!--.*?-->", lambda m: re.sub(r"[^\n]", " ", m.group(0)), text, flags=re.S)
        for m in re.finditer(r"(`+)(.+?)\1", text, flags=re.S):
            span = m.group(2)
            if "\n" in span:
                span = " ".join(span.split())
            yield text.count("\n", 0, m.start()) + 1, span.strip()

    def block_lines(self):
        for start, lang, lines in self.blocks:
            for j, l in enumerate(lines):
                yield start + j, lang, l


def load_docs(tree):
    files = git(tree, "ls-files", "-z").split("\0")
    rels = ["README.md"] + sorted(f for f in files if re.match(r"^docs/[^/]+\.md$", f))
    rels += sorted(f for f in files if f.endswith("/README.md") and not f.startswith("docs/"))
    return [Doc(tree, r) for r in rels if os.path.exists(os.path.join(tree, r))]


# ---- the source's strings ----

def fmt_tokens(text):
    """A printf format as tokens: each conversion a WILD, %% a %."""
    toks, at = [], 0
    for m in CONV.finditer(text):
        toks.extend(text[at:m.start()])
        toks.append("%" if m.group(0) == "%%" else WILD)
        at = m.end()
    toks.extend(text[at:])
    return toks


def c_strings(src):
    """String literals of a C file, adjacent ones joined, as token lists."""
    out, i, n = [], 0, len(src)
    cur = None  # tokens of the literal being joined
    while i < n:
        c = src[i]
        if src.startswith("//", i):
            i = src.find("\n", i)
            i = n if i < 0 else i
        elif src.startswith("/*", i):
            i = src.find("*/", i + 2)
            i = n if i < 0 else i + 2
        elif c == "'":
            j = i + 1
            while j < n and src[j] != "'":
                j += 2 if src[j] == "\\" else 1
            i = j + 1
        elif c == '"':
            j, buf = i + 1, []
            while j < n and src[j] != '"':
                if src[j] == "\\" and j + 1 < n:
                    buf.append({"n": "\n", "t": "\t", "\\": "\\", '"': '"'}.get(src[j + 1], src[j + 1]))
                    j += 2
                else:
                    buf.append(src[j])
                    j += 1
            toks = fmt_tokens("".join(buf))
            if cur is None:
                cur = []
            cur.extend(toks)
            i = j + 1
            continue
        elif c.isspace():
            i += 1
            continue
        else:
            i += 1
        if cur is not None:
            out.append(cur)
            cur = None
    if cur is not None:
        out.append(cur)
    return out


def sh_strings(src):
    """Quoted strings of a shell file (and a Makefile's recipes), with
    expansions as placeholders, as token lists."""
    out, i, n = [], 0, len(src)
    heredoc = None
    while i < n:
        c = src[i]
        if heredoc is not None:
            j = src.find("\n", i)
            j = n if j < 0 else j
            if src[i:j].strip() == heredoc:
                heredoc = None
            i = j + 1
            continue
        if c == "#" and (i == 0 or src[i - 1] in " \t\n;"):
            j = src.find("\n", i)
            i = n if j < 0 else j
            continue
        m = re.match(r"<<-?\s*(['\"]?)(\w+)\1", src[i:i + 40])
        if m:
            heredoc = m.group(2)
            j = src.find("\n", i)
            # the rest of this line still runs
            out.extend(sh_strings(src[i + m.end():j if j >= 0 else n]))
            i = n if j < 0 else j + 1
            continue
        if c == "\\":
            i += 2
            continue
        if c == "'":
            j = src.find("'", i + 1)
            j = n if j < 0 else j
            out.append(fmt_tokens(src[i + 1:j]))
            i = j + 1
            continue
        if c == '"':
            toks, j = [], i + 1
            while j < n and src[j] != '"':
                d = src[j]
                if d == "\\" and j + 1 < n:
                    toks.append(src[j + 1] if src[j + 1] in '"\\$`' else d + src[j + 1])
                    j += 2
                elif src.startswith("$(", j) or src.startswith("${", j) or d == "`":
                    close = {"(": ")", "{": "}"}.get(src[j + 1], "`") if d == "$" else "`"
                    opener = src[j + 1] if d == "$" else None
                    depth, j = 1, j + (2 if d == "$" else 1)
                    while j < n and depth:
                        if src[j] == "\\":
                            j += 1
                        elif opener and src[j] == opener:
                            depth += 1
                        elif src[j] == close:
                            depth -= 1
                        j += 1
                    toks.append(WILD)
                elif d == "$" and j + 1 < n and re.match(r"[\w*@#?$!-]", src[j + 1]):
                    m2 = re.match(r"\$(?:[A-Za-z_]\w*|.)", src[j:])
                    j += m2.end()
                    toks.append(WILD)
                else:
                    toks.append(d)
                    j += 1
            # printf formats inside double quotes too
            flat = toks
            text_toks = []
            k = 0
            while k < len(flat):
                if flat[k] == "%" and k + 1 < len(flat) and flat[k + 1] is not WILD:
                    rest = "".join(t for t in flat[k:k + 12] if t is not WILD)
                    m3 = CONV.match(rest)
                    if m3 and m3.group(0) != "%%":
                        text_toks.append(WILD)
                        k += len(m3.group(0))
                        continue
                text_toks.append(flat[k])
                k += 1
            out.append(text_toks)
            i = j + 1
            continue
        i += 1
    return out


def strip_level(toks):
    text = "".join(t if isinstance(t, str) else "\0" for t in toks)
    m = LEVEL.match(text)
    return toks[m.end():] if m else toks


def runs(toks):
    """The fixed-text runs of a token list."""
    cur, out = [], []
    for t in toks:
        if t is WILD:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(t)
    out.append("".join(cur))
    return [r for r in out if r]


def source_formats(tree):
    files = git(tree, "ls-files", "-z", "sign", "scripts", "mok-enroll.sh").split("\0")
    forms = []
    for f in files:
        if not f or f.startswith("sign/fuzz/") or f.endswith((".md", ".1", ".cnf", "Makefile")):
            continue
        path = os.path.join(tree, f)
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                src = fh.read()
        except OSError:
            continue
        strs = c_strings(src) if f.endswith((".c", ".h")) else sh_strings(src)
        for s in strs:
            s = strip_level(s)
            while s and s[-1] == "\n":
                s = s[:-1]
            if any(ch.isalpha() for r in runs(s) for ch in r):
                forms.append((s, runs(s), f))
    return forms


def ends(f, doc, p):
    """Where in DOC (a token list) the source string F can end when it
    starts at P, a WILD in either standing for any text."""
    n = len(doc)
    reach = [False] * (n + 1)
    reach[p] = True
    for j in range(p + 1, n + 1):
        reach[j] = reach[j - 1] and not isinstance(doc[j - 1], str)
    for x in f:
        new = [False] * (n + 1)
        new[p] = reach[p] and x is WILD
        for j in range(p + 1, n + 1):
            y = doc[j - 1]
            if x is WILD or y is ELIDE or (y is VALUE and x != " "):
                new[j] = reach[j] or new[j - 1] or reach[j - 1]
            elif y is VALUE:
                new[j] = new[j - 1]
            else:
                new[j] = reach[j - 1] and x == y
        reach = new
    return [j for j in range(p, n + 1) if reach[j]]


def covered(doc, strong, weak):
    """DOC is the concatenation of source strings, the first of STRONG (a
    run of 8 fixed characters), the others of STRONG or WEAK, optionally
    after a leading `NAME: ` (what the message is about), with at most 3
    characters of punctuation between or after them."""
    n = len(doc)
    starts = {0}
    m = re.match(r"^[^\s:]+: ", "".join(t if isinstance(t, str) else "\0" for t in doc))
    if m:
        starts.add(m.end())
    reached, todo = set(starts), sorted(starts)
    while todo:
        p = todo.pop()
        nxt = set()
        for f in strong if p in starts else strong + weak:
            nxt.update(q for q in ends(f, doc, p) if q > p)
        for q in list(nxt):
            k = q
            while k < n and k - q < 3 and isinstance(doc[k], str) and not doc[k].isalnum() and doc[k] != " ":
                k += 1
                nxt.add(k)
        for q in nxt:
            if q == n:
                return True
            if q not in reached:
                reached.add(q)
                todo.append(q)
    return False


def doc_tokens(msg):
    toks = []
    for k, part in enumerate(DOC_WILD.split(msg)):
        if k % 2:
            toks.append(VALUE if part.startswith("<") else ELIDE)
        else:
            toks.extend(part)
    return toks


def quoted_messages(doc):
    for line, span in doc.spans():
        if span.startswith("modsign: "):
            yield line, span
    for line, _lang, l in doc.block_lines():
        if l.startswith("modsign: "):
            yield line, l.rstrip()


def check_messages(tree, docs):
    forms = source_formats(tree)
    for doc in docs:
        for line, msg in quoted_messages(doc):
            toks = strip_level(doc_tokens(msg))
            fixed = "".join(t for t in toks if isinstance(t, str))
            if sum(ch.isalpha() for ch in fixed) < 10:
                continue
            raw = "".join(t for t in toks if isinstance(t, str))
            strong = [f for f, rs, _f in forms if any(len(r) >= 8 and r[:8] in raw for r in rs)]
            # what continues a message starts with fixed text, a word of it
            weak = [f for f, rs, _f in forms if f and f[0] is not WILD and all(r in raw for r in rs)
                    and sum(ch.isalpha() for r in rs for ch in r) >= 2 and f not in strong]
            ok = covered(toks, strong, weak)
            if not ok:
                problem(doc.rel, line, "messages", f"no source string prints '{msg}'")


# ---- make targets ----

def make_targets(tree):
    out = subprocess.run(["make", "-s", "--no-print-directory", "-C", tree, "help"],
                         capture_output=True, text=True, check=False).stdout
    return set(re.findall(r"^  make ([a-z][\w-]*)", out, flags=re.M))


def commands_in(text, shell=True):
    """Each command line in TEXT as a list of words: split at ;, &&, ||, |
    and parentheses when TEXT is shell (a code span, a sh block), whole
    otherwise (a line of output). Quoted text is no command."""
    text = re.sub(r"'[^']*'", "'…'", text.split(" #", 1)[0])
    text = re.sub(r'"[^"]*"', '"…"', text)
    parts = re.split(r"\s*(?:;|&&|\|\||\||\$\(|\(|\))\s*", text) if shell else [text]
    for part in parts:
        words = part.split()
        while words and (words[0] in ("sudo", "env", "time", "nice", "exec", "then", "do", "!")
                         or re.match(r"^[A-Z_][A-Z0-9_]*=", words[0])
                         or words[0].startswith("scripts/setup.sh")):
            if words[0].startswith("scripts/setup.sh"):
                words = words[2:] if len(words) > 1 and words[1] == "as-root" else []
                continue
            words = words[1:]
        if words:
            yield words


def command_texts(doc):
    """(line, text, shell): code spans and sh blocks are shell; a line of
    another block only where it starts with a command (`$ ` prompt)."""
    for line, span in doc.spans():
        yield line, span, True
    for line, lang, l in doc.block_lines():
        s = l.strip()
        if lang in ("sh", "bash", "shell", "console"):
            yield line, s[2:] if s.startswith("$ ") else s, True
        elif s.startswith("$ "):
            yield line, s[2:], True
        else:
            yield line, s, False


def check_targets(tree, docs):
    targets = make_targets(tree)
    if not targets:
        problem("Makefile", 0, "targets", "`make help` lists no target")
        return
    for doc in docs:
        for line, text, shell in command_texts(doc):
            for words in commands_in(text, shell):
                if words[0] != "make":
                    continue
                for w in words[1:]:
                    if w in ("-C", "-f") or w.startswith(("-C", "-f")) or w.startswith(">"):
                        break
                    if w.startswith("-") or "=" in w:
                        continue
                    if not re.match(r"^[a-z][\w-]*$", w):
                        break
                    if w not in targets:
                        problem(doc.rel, line, "targets", f"'make {w}': no target {w} in `make help`")


# ---- modsign options ----

def modsign_help(binary):
    def run(*args):
        r = subprocess.run([binary, *args], capture_output=True, text=True, check=False)
        return r.stdout + r.stderr
    top = run("--help")
    cmds = {}
    in_cmds = False
    for l in top.split("\n"):
        if l.startswith("Commands:"):
            in_cmds = True
            continue
        if in_cmds:
            m = COMMANDS_LINE.match(l)
            if not m:
                if l.strip() == "":
                    in_cmds = False
                continue
            cmds[m.group(1)] = set(re.findall(r"(?<![\w-])(--?[A-Za-z][\w-]*)", run(m.group(1), "--help")))
    cmds[""] = set(re.findall(r"(?<![\w-])(--?[A-Za-z][\w-]*)", top))
    return cmds


def check_options(tree, docs, binary):
    if not os.access(binary, os.X_OK):
        problem(binary, 0, "options", "no modsign binary to ask (make -C sign)")
        return
    cmds = modsign_help(binary)
    if len(cmds) < 2:
        problem(binary, 0, "options", "`modsign --help` lists no command")
        return
    for doc in docs:
        for line, text, shell in command_texts(doc):
            for words in commands_in(text, shell):
                if not re.match(r"^(?:\S*/)?modsign$", words[0]) or len(words) < 2:
                    continue
                cmd = words[1]
                if cmd.startswith("-"):
                    opts, cmd = words[1:], ""
                elif cmd in cmds:
                    opts = words[2:]
                else:
                    # `modsign status`, alone in a span or on a command line
                    if re.match(r"^[a-z]+$", cmd) and shell and (len(words) == 2 or words[2].startswith("-")):
                        problem(doc.rel, line, "options", f"'modsign {cmd}': no such command in `modsign --help`")
                    continue
                for o in opts:
                    if o == "--":
                        break
                    m = re.match(r"^(--?[A-Za-z][\w-]*)", o)
                    if not m or o.startswith("-j") and o[2:].isdigit():
                        continue
                    opt = m.group(1)
                    if opt not in cmds[cmd] and opt not in cmds[""]:
                        where = f"modsign {cmd} --help" if cmd else "modsign --help"
                        problem(doc.rel, line, "options", f"'{opt}' of 'modsign {cmd}' is not in `{where}`")


# ---- paths ----

def tracked(tree):
    files = [f for f in git(tree, "ls-files", "-z").split("\0") if f]
    dirs = set()
    for f in files:
        parts = f.split("/")
        for k in range(1, len(parts)):
            dirs.add("/".join(parts[:k]))
    return set(files), dirs


def ignored(tree, paths):
    if not paths:
        return set()
    out = git(tree, "check-ignore", "--no-index", "--stdin", stdin="\n".join(paths) + "\n")
    return set(out.split("\n"))


# Paths of the kernel's own tree that the docs name as the kernel's
# (its headers' scripts/sign-file), not the kit's.
KERNEL_PATHS = {"scripts/sign-file", "scripts/Makefile.modinst"}


def check_paths(tree, docs):
    files, dirs = tracked(tree)
    tops = {p.split("/")[0] for p in files}
    found = []
    for doc in docs:
        for line, span in doc.spans():
            s = span[2:] if span.startswith("./") else span
            if not re.match(r"^[\w.-]+/[\w./-]*$", s) or "..." in s:
                continue
            if s.split("/")[0] not in tops or s in KERNEL_PATHS:
                continue
            found.append((doc.rel, line, s))
    missing = [(r, l, s) for r, l, s in found if s.rstrip("/") not in files and s.rstrip("/") not in dirs]
    ign = ignored(tree, sorted({s for _r, _l, s in missing}))
    for rel, line, s in missing:
        if s not in ign and s.rstrip("/") not in ign:
            problem(rel, line, "paths", f"`{s}` is not in the tree (git ls-files) nor a file git ignores")


# ---- links ----

def slug(heading):
    # GitHub's anchors: lower case, links by their text, punctuation but
    # - and _ dropped, spaces as -
    h = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip().lower())
    h = re.sub(r"[^\w\- ]", "", h)
    return h.replace(" ", "-")


def anchors(doc):
    seen, out = {}, set()
    for l, p in zip(doc.lines, doc.prose):
        m = re.match(r"^#{1,6}\s+(.*?)\s*#*$", p)
        if m:
            s = slug(m.group(1))
            k = seen.get(s, 0)
            seen[s] = k + 1
            out.add(s if k == 0 else f"{s}-{k}")
    return out


def check_links(tree, docs):
    by_rel = {d.rel: d for d in docs}
    for doc in docs:
        text = "\n".join(doc.prose)
        text = re.sub(r"(`+).+?\1", lambda m: re.sub(r"[^\n]", " ", m.group(0)), text, flags=re.S)
        for m in re.finditer(r"\]\(([^)\s]+)\)", text):
            target = m.group(1)
            line = text.count("\n", 0, m.start()) + 1
            if re.match(r"^[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            rel = os.path.normpath(os.path.join(os.path.dirname(doc.rel), path)) if path else doc.rel
            if rel.startswith(".."):
                problem(doc.rel, line, "links", f"'{target}' leaves the repository")
                continue
            if not os.path.exists(os.path.join(tree, rel)):
                problem(doc.rel, line, "links", f"'{target}': {rel} does not exist")
                continue
            if anchor and rel.endswith(".md"):
                d = by_rel.get(rel) or Doc(tree, rel)
                if anchor not in anchors(d):
                    problem(doc.rel, line, "links", f"'{target}': no heading #{anchor} in {rel}")


# ---- the layout table of design.md ----

def check_layout(tree, docs):
    rel = "docs/design.md"
    doc = next((d for d in docs if d.rel == rel), None)
    if doc is None:
        problem(rel, 0, "layout", "missing")
        return
    rows, in_layout = [], False
    for i, l in enumerate(doc.prose):
        if l.startswith("## "):
            in_layout = l.strip() == "## Layout"
            continue
        if in_layout and l.startswith("|") and not re.match(r"^\|\s*(path|---)", l):
            cells = [c.strip() for c in l.strip().strip("|").split("|")]
            rows.append((i + 1, cells))
    if not rows:
        problem(rel, 0, "layout", "no table under '## Layout'")
        return
    files, dirs = tracked(tree)
    named = {}  # a row's first path -> (line, every backticked word of the row)
    for line, cells in rows:
        first = re.findall(r"`([^`]+)`", cells[0])
        if not first:
            problem(rel, line, "layout", f"a row without a path: {cells[0]}")
            continue
        named[first[0]] = (line, re.findall(r"`([^`]+)`", " | ".join(cells[1:])))
    heads = {k.rstrip("/").split("/")[0] for k in named}
    for top in sorted({f.split("/")[0] for f in files}):
        if top not in heads:
            problem(rel, rows[0][0], "layout", f"the tree's `{top}{'/' if top in dirs else ''}` has no row")
    # every path named exists
    check = []
    for head, (line, words) in named.items():
        check.append((line, head, head))
        base = head if head.endswith("/") else ""
        for w in words:
            if " " in w or "<" in w or "*" in w or not re.search(r"/|\.[a-z]+$", w) or w.startswith(("/", "-")):
                continue
            # a name in a folder's row is below that folder; a path with
            # a folder in it is from the top
            check.append((line, w, base + w if base and "/" not in w.rstrip("/") else w))
    ign = ignored(tree, sorted({p for _l, _w, p in check}))
    for line, w, p in check:
        if p.rstrip("/") in files or p.rstrip("/") in dirs or p in ign or p.rstrip("/") in ign:
            continue
        problem(rel, line, "layout", f"`{w}` is named but not in the tree")
    # every folder of tests/ and every file of scripts/ is named in its row
    for folder, want in (("tests/", sorted({d.split("/")[1] + "/" for d in dirs if d.startswith("tests/") and d.count("/") == 1})),
                         ("scripts/", sorted(f.split("/")[1] for f in files if f.startswith("scripts/") and f.count("/") == 1))):
        if folder not in named:
            problem(rel, rows[0][0], "layout", f"no row for `{folder}`")
            continue
        line, words = named[folder]
        for w in want:
            if w not in words and folder + w not in words:
                problem(rel, line, "layout", f"the `{folder}` row does not name `{w}`")


def extract(docs, name):
    for doc in docs:
        for i, l in enumerate(doc.lines):
            if l.strip() == f"<!-- output: {name} -->":
                for start, _lang, lines in doc.blocks:
                    if start - 2 > i:
                        sys.stdout.write("\n".join(lines) + "\n")
                        return 0
    print(f"check-docs: no block marked <!-- output: {name} -->", file=sys.stderr)
    return 1


def main(argv):
    tree, binary, checks, name = ".", None, [], None
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("--tree", "--modsign", "--extract") and i + 1 < len(argv):
            if a == "--tree":
                tree = argv[i + 1]
            elif a == "--modsign":
                binary = argv[i + 1]
            else:
                name = argv[i + 1]
            i += 2
            continue
        if a in ("messages", "targets", "options", "paths", "links", "layout"):
            checks.append(a)
        else:
            print(f"check-docs: unknown argument '{a}'", file=sys.stderr)
            return 2
        i += 1
    tree = os.path.abspath(tree)
    docs = load_docs(tree)
    if name:
        return extract(docs, name)
    if not checks:
        print("check-docs: name a check", file=sys.stderr)
        return 2
    binary = binary or os.path.join(tree, "sign", "modsign")
    for c in checks:
        if c == "options":
            check_options(tree, docs, binary)
        else:
            globals()["check_" + c](tree, docs)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
