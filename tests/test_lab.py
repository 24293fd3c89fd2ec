"""tools/lab.py: JupyterLab on 127.0.0.1, token on, a free port."""

import os
import socket

import pytest

from tools.lab import HOST, find_free_port, lab_command, lab_url, port_is_free


def test_binds_loopback_with_a_token_and_no_port_hopping():
    argv = lab_command(8890, "secret", "notebooks/00_start_here.ipynb", open_browser=False)
    assert "--ServerApp.ip=127.0.0.1" in argv
    assert "--IdentityProvider.token=secret" in argv
    assert "--ServerApp.port=8890" in argv and "--ServerApp.port_retries=0" in argv
    assert argv[-1] == "notebooks/00_start_here.ipynb"
    assert ("--allow-root" in argv) == (os.geteuid() == 0)


def test_empty_token_is_refused():
    with pytest.raises(ValueError, match="without a token"):
        lab_command(8890, "")


def test_a_taken_port_is_skipped():
    with socket.socket() as s:
        s.bind((HOST, 0))
        s.listen()
        taken = s.getsockname()[1]
        assert not port_is_free(taken)
        assert find_free_port(taken, tries=20) != taken


def test_url_opens_the_notebook_with_the_token():
    assert (
        lab_url(8888, "abc")
        == "http://127.0.0.1:8888/lab/tree/notebooks/00_start_here.ipynb?token=abc"
    )
