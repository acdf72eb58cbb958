#!/usr/bin/python3
"""Builds and runs every program in README.md and compares its output with the README.

    tests/readme/check_readme.py BUILD_DIR

Every fenced code block of README.md is one of:
  c, cpp, python, rust   a complete program. It is built against BUILD_DIR (C and C++ through the
                         build tree's seqfeat.pc, exactly as the README tells users; Rust as a
                         small cargo project depending on bindings/rust/seqfeat) and run. The
                         block must be followed by "It prints:" and a `text` block holding its
                         exact standard output.
  text                   program output or figures (compared only when it follows a program);
  sh                     commands that build or install the project itself (make, cmake, pip):
                         not run here — `make test` runs the same steps in its own tests.
Any other block fails the check, so that a snippet cannot be added without being run.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROGRAMS = ("c", "cpp", "python", "rust")
NOT_RUN = ("text", "sh")
PYTHON = os.environ.get("PYTHON", "/usr/bin/python3")


def blocks(markdown):
    """[(info, text, prose before the block)] for every fenced block."""
    out = []
    prose = []
    lines = markdown.split("\n")
    i = 0
    while i < len(lines):
        m = re.match(r"^```(\S*)\s*$", lines[i])
        if not m:
            prose.append(lines[i])
            i += 1
            continue
        j = i + 1
        while j < len(lines) and lines[j] != "```":
            j += 1
        if j == len(lines):
            raise SystemExit(f"README.md:{i + 1}: code block is not closed")
        out.append((m.group(1), "\n".join(lines[i + 1:j]) + "\n", "\n".join(prose).strip(), i + 1))
        prose = []
        i = j + 1
    return out


def run(cmd, env=None, cwd=None):
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}"
                           f"{proc.stderr}")
    return proc.stdout


def pkg_config(build):
    env = dict(os.environ, PKG_CONFIG_PATH=build)
    return run(["pkg-config", "--cflags", "--libs", "seqfeat"], env=env).split()


def run_program(language, source, build, work, index):
    env = dict(os.environ)
    if language in ("c", "cpp"):
        ext, compiler, std = (".c", "cc", ["-std=c99", "-pedantic"]) if language == "c" else \
            (".cc", "c++", ["-std=c++17"])
        path = os.path.join(work, f"block{index}{ext}")
        with open(path, "w") as f:
            f.write(source)
        exe = os.path.join(work, f"block{index}")
        run([compiler, *std, "-Wall", "-Wextra", "-Werror", path, "-o", exe,
             *pkg_config(build), f"-Wl,-rpath,{build}"])
        return run([exe])
    if language == "python":
        path = os.path.join(work, f"block{index}.py")
        with open(path, "w") as f:
            f.write(source)
        env.update(SEQFEAT_LIBRARY=os.path.join(build, "libseqfeat.so"),
                   PYTHONPATH=os.path.join(ROOT, "bindings", "python"))
        return run([PYTHON, path], env=env, cwd=work)
    project = os.path.join(work, f"block{index}")
    os.makedirs(os.path.join(project, "src"))
    with open(os.path.join(project, "Cargo.toml"), "w") as f:
        f.write(f'[package]\nname = "readme_block{index}"\nversion = "0.0.0"\nedition = "2021"\n'
                f'publish = false\n\n[workspace]\n\n[dependencies]\n'
                f'seqfeat = {{ path = "{os.path.join(ROOT, "bindings", "rust", "seqfeat")}" }}\n')
    with open(os.path.join(project, "src", "main.rs"), "w") as f:
        f.write(source)
    # The crate's build script links against SEQFEAT_LIB_DIR; a program outside the crate finds
    # the library at run time like any other program (here through LD_LIBRARY_PATH).
    env.update(SEQFEAT_LIB_DIR=build, CARGO_TARGET_DIR=os.path.join(build, "readme-cargo"),
               LD_LIBRARY_PATH=build)
    return run(["cargo", "run", "--offline", "--quiet"], env=env, cwd=project)


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build"))
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        found = blocks(f.read())
    failures = 0
    work = tempfile.mkdtemp(prefix="seqfeat-readme-")
    try:
        for index, (info, text, _, line) in enumerate(found):
            if info in NOT_RUN:
                continue
            if info not in PROGRAMS:
                print(f"FAIL README.md:{line}: a `{info or '(no language)'}` block; make it a "
                      f"program ({', '.join(PROGRAMS)}) with its output, or `sh` / `text`")
                failures += 1
                continue
            following = found[index + 1] if index + 1 < len(found) else None
            if following is None or following[0] != "text" or following[2] != "It prints:":
                print(f"FAIL README.md:{line}: a {info} program must be followed by "
                      "'It prints:' and a `text` block with its output")
                failures += 1
                continue
            try:
                output = run_program(info, text, build, work, index)
            except RuntimeError as e:
                print(f"FAIL README.md:{line}: the {info} program did not build or run:\n{e}")
                failures += 1
                continue
            got = [l.rstrip() for l in output.rstrip("\n").split("\n")]
            want = [l.rstrip() for l in following[1].rstrip("\n").split("\n")]
            if got != want:
                print(f"FAIL README.md:{line}: the {info} program printed\n" + "\n".join(got) +
                      "\nbut the README says\n" + "\n".join(want))
                failures += 1
            else:
                print(f"ok   README.md:{line} ({info})")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
