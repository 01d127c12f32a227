"""Small network helpers shared by the servers (dashboard, prediction service)."""

from __future__ import annotations

import ipaddress


def is_loopback(address: str) -> bool:
    """Whether ``address`` only accepts connections from this machine.

    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0")
    (True, True, False)
    """
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False
