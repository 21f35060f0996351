"""The only way WeasyPrint reads anything while it renders a PDF (`render.pdf`).

WeasyPrint's own fetcher follows any address a document names, over the network too: a
picture named in a template, a commentary or a record would be a request from the firm's
machine to that address. `LocalFetcher` serves `data:` addresses, and files inside the
folders and files it is given (the templates folders and the logo), or only the files
shipped with a document under their own address; any other address is refused without a
request, and stops the rendering: `refusal` says what was refused, in one line.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from reports.errors import TemplateError


class OutsideReference(FatalURLFetchingError):
    """A document named an address a report never reads: fatal, so WeasyPrint stops."""


def _kind(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


class LocalFetcher(URLFetcher):
    """Serves `data:` addresses; `file:` paths inside `readable` (folders, or single
    files); with `shipped`, the names in it under the address `base` and no file at all.
    Refuses everything else, and keeps what it refused in `refused`."""

    def __init__(
        self,
        readable: Iterable[str | Path] = (),
        shipped: Mapping[str, bytes] | None = None,
        base: str = "",
    ) -> None:
        # Only `data:` ever reaches urllib's opener, which decodes it in memory.
        super().__init__(allowed_protocols=("data",), allow_redirects=False)
        self.readable = tuple(Path(path).resolve() for path in readable)
        self.shipped = shipped
        self.base = base
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if url[:5].lower() == "data:":
            return super().fetch(url, headers)
        if self.shipped is not None and self.base and url.startswith(self.base):
            name = unquote(url.removeprefix(self.base).split("?")[0].split("#")[0])
            if name not in self.shipped:
                # Missing, as a file missing from a templates folder is: WeasyPrint skips it.
                raise FileNotFoundError(f"{url} was not shipped with the document")
            return URLFetcherResponse(url, self.shipped[name], {"Content-Type": _kind(name)})
        path = self._readable_path(url) if self.shipped is None else None
        if path is None:
            self.refused.append(url)
            raise OutsideReference(url)
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": _kind(path.name)})

    def _readable_path(self, url: str) -> Path | None:
        """The file `url` names if it is a local `file:` address inside `readable`."""
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or parts.netloc.lower() not in ("", "localhost"):
            return None
        # Resolved, `..` and links included, before it is compared with the folders.
        path = Path(url2pathname(parts.path)).resolve()
        return path if any(path.is_relative_to(place) for place in self.readable) else None

    def refusal(self, what: str) -> TemplateError | None:
        """The error for the first address refused while rendering `what`, if any."""
        if not self.refused:
            return None
        return TemplateError(
            f"{what} refers to {self.refused[0]}: a report reads only its templates, its "
            "logo and data: addresses, and fetches nothing from anywhere else"
        )
