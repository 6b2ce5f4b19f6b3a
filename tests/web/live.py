"""A live server for tests: the app under uvicorn in a thread, set up as `tipdata serve` does."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from tests.web.conftest import WebUser, csrf_of
from tipdata.cli.serve import server_config
from tipdata.system import System


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def live_server(app: FastAPI, system: System) -> Iterator[str]:
    """Serve the app with the uvicorn configuration of `tipdata serve`; yield its base URL."""
    port = free_port()
    config = server_config(app, system, "127.0.0.1", port)
    config.log_level = "warning"
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def post_login(
    base_url: str,
    username: str,
    password: str,
    code: str = "",
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """One sign-in through the form, as a fresh browser (its own pre-session cookie)."""
    with httpx.Client(base_url=base_url, timeout=60, headers=headers or {}) as browser:
        token = csrf_of(browser.get("/login").text)
        return browser.post(
            "/login",
            data={"csrf_token": token, "username": username, "password": password, "code": code},
        )


def signed_in_client(base_url: str, user: WebUser) -> httpx.Client:
    """A browser signed in as the user (the caller closes it)."""
    browser = httpx.Client(base_url=base_url, timeout=60)
    token = csrf_of(browser.get("/login").text)
    answer = browser.post(
        "/login",
        data={
            "csrf_token": token,
            "username": user.username,
            "password": user.password,
            "code": user.code() if user.totp_secret else "",
        },
    )
    assert answer.status_code == 303, answer.text
    return browser
