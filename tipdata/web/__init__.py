"""The web front: server-rendered pages (Jinja2, English and Khmer) and the JSON API.

A thin front over the same services as the CLI (STYLE.md rule 1): routes parse
input, call a service, render the answer. Build the app with :func:`create_app`.
"""

from tipdata.web.app import create_app
from tipdata.web.options import WebOptions

__all__ = ["WebOptions", "create_app"]
