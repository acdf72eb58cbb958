"""Gives the package the library's version: project(seqfeat VERSION x.y.z) in the repository's
top-level CMakeLists.txt is the one place the version is written. Everything else is in
pyproject.toml."""

import pathlib
import re

from setuptools import setup


def cmake_project_version():
    here = pathlib.Path(__file__).resolve().parent
    for directory in (here, *here.parents):
        cmake = directory / "CMakeLists.txt"
        if cmake.is_file():
            match = re.search(r"project\(\s*seqfeat\s+VERSION\s+([0-9]+\.[0-9]+\.[0-9]+)",
                              cmake.read_text(encoding="utf-8"))
            if match:
                return match.group(1)
    raise RuntimeError("seqfeat: no CMakeLists.txt with project(seqfeat VERSION ...) above "
                       f"{here}; build the package from the libseqfeat source tree.")


setup(version=cmake_project_version())
