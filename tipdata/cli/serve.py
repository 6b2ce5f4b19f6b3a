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
    uvicorn.Server(server_config(create_app(system), system, host, port)).run()


def server_config(app: Any, system: Any, host: str, port: int) -> Any:
    """The uvicorn configuration of `tipdata serve`.

    Forwarded headers are believed only from ``TIPDATA_TRUSTED_PROXIES`` (none by
    default); uvicorn's own default would trust any request from 127.0.0.1.
    """
    import uvicorn

    from tipdata.web.auth import trusted_networks

    proxies = trusted_networks(system.settings.trusted_proxies)
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        proxy_headers=bool(proxies),
        forwarded_allow_ips=[str(network) for network in proxies] or "",
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
