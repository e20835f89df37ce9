#!/usr/bin/env python3
"""The dependency rule of docs/architecture.md, checked on the source tree.

Layers, from the bottom: the engine (sim/core, sim/sweep) <- output (output/) and mechanisms
(agents/), which never include each other <- the assembly (sim/model) <- the runners
(sim/runner) <- the front ends (sim/serve, then sim/cli). A file may include its own layer and
those below it, never one above. Tests mirror the tree and keep to the same rule (a test of
a mechanism uses the mechanism alone); tests/*.hpp are shared test helpers. And the engine names
no mechanism: no identifier in sim/core or sim/sweep (comments and strings aside) contains a
word of the model's actors. And the assembly stays an assembly: no file in sim/model has more
than ASSEMBLY_MAX_LINES lines (a mechanism's code belongs in agents/).

Usage: check_layers.py [SOURCE_DIR]. Prints every violation; exit status 1 when there is one.
"""
import pathlib
import re
import sys

# Each folder and the folders its files may include.
ENGINE = {"sim/core", "sim/sweep"}
ALLOWED = {
    "sim/core": ENGINE,
    "sim/sweep": ENGINE,
    "output": ENGINE | {"output"},
    "agents": ENGINE | {"agents"},
    "sim/model": ENGINE | {"output", "agents", "sim/model"},
    "sim/runner": ENGINE | {"output", "agents", "sim/model", "sim/runner"},
    "sim/serve": ENGINE | {"output", "agents", "sim/model", "sim/runner", "sim/serve"},
    "sim/cli": ENGINE | {"output", "agents", "sim/model", "sim/runner", "sim/serve", "sim/cli"},
}
TEST_HELPERS = {"tests"}
# Words of the model's actors that an engine identifier must not contain.
MECHANISM_WORDS = {
    "lab", "labs", "chip", "chips", "export", "exports", "adoption", "adopter", "adopters",
    "market", "markets", "government", "governments", "lever", "levers", "firm", "firms", "tpp",
    "h100e", "supply", "release", "releases", "smuggled", "smuggling", "subsidy", "archetype",
    "archetypes", "cloud", "clouds", "investor", "investors", "producer", "producers",
}
# Identifiers that contain such a word in another sense (ThreadSanitizer's release fences).
NOT_MECHANISMS = {"__tsan_release", "AIRACE_TSAN_RELEASE"}
SOURCE = (".cpp", ".hpp", ".c", ".h", ".in")
ASSEMBLY_MAX_LINES = 300


def folder_of(rel):
    parts = rel.split("/")
    for n in (2, 1):
        f = "/".join(parts[:n])
        if f in ALLOWED:
            return f
    return None


def allowed_for(rel):
    """The folders a file may include, or None when the rule does not cover it."""
    if rel.startswith("tests/"):
        mirrored = folder_of(rel[len("tests/"):])
        return None if mirrored is None else ALLOWED[mirrored] | TEST_HELPERS
    f = folder_of(rel)
    return None if f is None else ALLOWED[f]


def code_only(text):
    """The text with comments, string and character literals blanked out."""
    pattern = re.compile(r'//[^\n]*|/\*.*?\*/|R"([^(]*)\(.*?\)\1"|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'',
                         re.S)
    return pattern.sub(lambda m: " " if not m.group(0).startswith("/*") else "\n" * m.group(0).count("\n"), text)


def words(identifier):
    for piece in identifier.split("_"):
        for w in re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])", piece):
            yield w.lower()


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    problems = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if not path.is_file() or not rel.endswith(SOURCE) or rel.startswith(("build", ".")):
            continue
        allowed = allowed_for(rel)
        if allowed is None:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for n, line in enumerate(text.splitlines(), 1):
            m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
            if not m:
                continue
            target = m.group(1)
            if "/" not in target or target.startswith(("airace/", "Random123/")):
                continue
            if target.startswith("tests/"):  # a test helper belongs to the folder it mirrors
                dest = "tests" if target.count("/") == 1 else folder_of(target[len("tests/"):])
            else:
                dest = folder_of(target)
            if dest is None or dest not in allowed:
                problems.append(f"{rel}:{n}: includes {target}, a layer above it")
        if folder_of(rel) == "sim/model" and text.count("\n") >= ASSEMBLY_MAX_LINES:
            problems.append(f"{rel}: {text.count(chr(10))} lines; the assembly's files stay under "
                            f"{ASSEMBLY_MAX_LINES} (move mechanism code to agents/)")
        if folder_of(rel) in ENGINE and not rel.startswith("tests/"):
            code = code_only(text)
            for n, line in enumerate(code.splitlines(), 1):
                for ident in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", line):
                    bad = sorted(set(words(ident)) & MECHANISM_WORDS)
                    if ident in NOT_MECHANISMS:
                        continue
                    if bad:
                        problems.append(f"{rel}:{n}: the engine names a mechanism: {ident} ({', '.join(bad)})")
    for p in problems:
        print(p)
    print(f"layers: {len(problems)} violation(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
