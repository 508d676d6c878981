"""Request-path costs moto 5.2.1 pays on every call that a long-running emulator need not.

moto's dispatcher asks ``backends.list_of_moto_modules()`` whether the Host header names a
backend, twice per request; that function lists moto's package folder and stats each of its
~180 entries every time (about 2 ms of a 20 KB PutObject's ~6 ms here). The folder cannot change
while the server runs, so the list is read once.
"""

from __future__ import annotations

from collections.abc import Iterable

from moto import backends

_original_list_of_moto_modules = backends.list_of_moto_modules


def install() -> None:
    modules = tuple(_original_list_of_moto_modules())

    def list_of_moto_modules() -> Iterable[str]:
        return modules

    backends.list_of_moto_modules = list_of_moto_modules
