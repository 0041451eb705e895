"""The only way a rendered document reaches a resource: files inside the project's allowed folders, and data: URIs.

WeasyPrint's own fetcher reads any ``file://`` path and fetches ``http://`` URLs. This one refuses both, and
stops the rendering when asked for anything outside the allowed folders, so that a refused resource is an
error rather than a silently missing picture.
"""

from __future__ import annotations

import mimetypes
import stat
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

#: Largest resource (image, stylesheet, font) read, in bytes.
MAX_RESOURCE_BYTES = 20 * 1024 * 1024


class ResourceRefused(FatalURLFetchingError):
    """A template or content asked for a resource it may not have."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{reason}: {url}")
        self.url = url
        self.reason = reason


class ProjectFetcher(URLFetcher):  # type: ignore[misc]
    """Serve files under ``roots`` and ``data:`` URIs; refuse everything else, loudly."""

    def __init__(self, roots: list[Path]) -> None:
        super().__init__(allowed_protocols={"data"}, allow_redirects=False, fail_on_errors=True)
        self.roots = [root.resolve() for root in roots]
        self.fetched: list[str] = []

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme != "file":
            raise ResourceRefused(url, "network access is not allowed")
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise ResourceRefused(url, "remote file URLs are not allowed")
        requested = Path(unquote(parts.path))
        try:
            resolved = requested.resolve(strict=True)
        except (OSError, RuntimeError):
            raise ResourceRefused(url, "no such file") from None
        if not any(resolved.is_relative_to(root) for root in self.roots):
            raise ResourceRefused(url, "outside the project's templates, content and assets folders")
        info = resolved.stat()
        if not stat.S_ISREG(info.st_mode):
            raise ResourceRefused(url, "not a regular file")
        if info.st_size > MAX_RESOURCE_BYTES:
            raise ResourceRefused(url, f"larger than {MAX_RESOURCE_BYTES:,} bytes")
        data = resolved.read_bytes()
        mime = mimetypes.guess_type(resolved.name)[0] or "application/octet-stream"
        self.fetched.append(resolved.as_posix())
        return URLFetcherResponse(resolved.as_uri(), data, {"Content-Type": mime})
