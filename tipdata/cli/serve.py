"""`tipdata serve`: the web app (pages and JSON API) with uvicorn."""

from __future__ import annotations

import logging
from typing import Annotated, Any

import typer

from tipdata.cli._common import HomeOption, console, system_for
from tipdata.errors import ConfigError

log = logging.getLogger(__name__)


def serve_system(system: Any, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the web app of a system until interrupted (also used by `tipdata demo run --serve`).

    Raises:
        ConfigError: the database is not migrated to the newest schema.
    """
    import uvicorn

    from tipdata.web import create_app
    from tipdata.web.security import is_loopback_host

    current, head = system.db.current_revision(), system.db.head_revision()
    if current != head:
        raise ConfigError(
            f"database {system.database_label} is at revision {current or 'none'}, "
            f"not {head}: run `tipdata db upgrade` first"
        )
    if not is_loopback_host(host):
        log.warning(
            "serving on %s: put it behind an HTTPS reverse proxy and set TIPDATA_PUBLIC_URL "
            "to its https address (Secure cookies, HSTS)",
            host,
        )
    console.print(f"tipdata at http://{host}:{port}/ (Ctrl+C stops)")
    uvicorn.run(
        create_app(system),
        host=host,
        port=port,
        proxy_headers=True,
        server_header=False,
        log_level="info",
    )


def serve(
    home: HomeOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
) -> None:
    """Serve the web app: pages in English and Khmer, and the JSON API under /api/v1."""
    serve_system(system_for(home), host, port)
