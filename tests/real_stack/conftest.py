"""Paths for the real-stack tests (root, podman, containers). ctest sets HASIM_SOURCE_DIR and
HASIM_BIN; run by hand they default to this checkout and its build/ directory."""
import os
import pathlib

SOURCE_DIR = pathlib.Path(os.environ.get("HASIM_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
HASIM_BIN = pathlib.Path(os.environ.get("HASIM_BIN", SOURCE_DIR / "build" / "hasim"))
