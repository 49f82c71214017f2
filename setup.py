"""The build step pyproject.toml cannot declare: the top-level data folders (``seeds/``,
``prompts/``) are copied into the packages that read them, so a wheel carries them as
package data (service/shipped.py reads them from either place)."""

from __future__ import annotations

import runpy
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
# The one table of the folders, read without importing the package.
FOLDERS = runpy.run_path(str(ROOT / "service" / "shipped.py"))["FOLDERS"]


class BuildWithDataFolders(build_py):
    def run(self) -> None:
        super().run()
        for package, (top, patterns) in FOLDERS.items():
            target = Path(self.build_lib, *package.split("."))
            target.mkdir(parents=True, exist_ok=True)
            for pattern in patterns:
                for path in sorted((ROOT / top).glob(pattern)):
                    shutil.copyfile(path, target / path.name)


setup(cmdclass={"build_py": BuildWithDataFolders})
