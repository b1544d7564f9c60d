"""Builds the one native piece, emu/timing/_native.c (a Unicorn block hook); all else is in pyproject.toml."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("emu.timing._native", ["emu/timing/_native.c"], extra_compile_args=["-O3"])])
