"""Where the probe job may connect, and connecting to many endpoints at once.

An endpoint's address is a target only inside PROBE_ALLOWED_NETWORKS (by default the private
ranges 10/8, 172.16/12 and 192.168/16): a unit admin must not turn the probe job into a port
scanner of the server's own machine (loopback), of link-local services (cloud metadata) or of
the internet. A host name counts only when every address it resolves to is inside; the probe
then connects to the checked address, never to the name again (DNS could answer otherwise).

Probes are non-blocking TCP connects multiplexed in one thread with a bounded number in flight
(PROBE_CONCURRENCY): ten thousand wards finish in about one timeout per
concurrency-sized wave of silent ones, with no thread per probe. Host names are resolved
beforehand by a small thread pool.
"""
import errno
import ipaddress
import selectors
import socket
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from flask import current_app
from flask_babel import gettext as _

from ..core.errors import ValidationError
from ..core.settings import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class ProbeRefused(Exception):
    """The host is not a permitted probe target; the message says why, for the user."""


def parse_networks(value) -> list[Network]:
    """PROBE_ALLOWED_NETWORKS as a list of networks: a list, or one comma-separated string."""
    items = value.split(",") if isinstance(value, str) else list(value or ())
    networks = []
    for item in filter(None, (str(i).strip() for i in items)):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            # a typo in the setting allows less, never more, and must not break saving
            current_app.logger.warning("PROBE_ALLOWED_NETWORKS: %r is not a network, ignored", item)
    return networks


def allowed_networks() -> list[Network]:
    return parse_networks(settings().probe_allowed_networks)


def address_allowed(address: Address, networks: list[Network]) -> bool:
    # an IPv4 address written as IPv6 (::ffff:127.0.0.1) is judged as the IPv4 address it is
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_unspecified or address.is_multicast:
        return False  # 0.0.0.0 connects to the server itself whatever the list says
    return any(address.version == net.version and address in net for net in networks)


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def resolve(host: str) -> list[Address]:
    """Every address `host` stands for (an IP literal: itself). Raises ProbeRefused when the
    name does not resolve."""
    literal = _literal(host)
    if literal is not None:
        return [literal]
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise ProbeRefused(_("Không phân giải được tên miền %(host)s.", host=host)) from None
    addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos))
    if not addresses:
        raise ProbeRefused(_("Không phân giải được tên miền %(host)s.", host=host))
    return addresses


def checked_address(host: str, networks: list[Network]) -> Address:
    """The address to probe for `host`: refused (ProbeRefused) unless every address it
    resolves to lies in `networks`."""
    addresses = resolve(host)
    outside = [a for a in addresses if not address_allowed(a, networks)]
    if outside:
        raise ProbeRefused(_(
            "Địa chỉ %(address)s nằm ngoài các dải mạng được phép kiểm tra kết nối (%(networks)s): "
            "không chấp nhận địa chỉ loopback, link-local hay ngoài mạng nội bộ.",
            address=outside[0], networks=", ".join(str(n) for n in networks) or "—"))
    return addresses[0]


def validate_host(host: str | None) -> None:
    """For the endpoint form and the API: a host the probe job may never reach is refused when
    it is saved, with the reason on the host field."""
    if host is None:
        return
    try:
        checked_address(host, allowed_networks())
    except ProbeRefused as refused:
        raise ValidationError(str(refused), {"field": "host", "fields": {"host": str(refused)}}) from None


def checked_targets(targets: Iterable[tuple], networks: list[Network], workers: int = 16
                    ) -> tuple[list[tuple], list]:
    """Split (key, host, port) into probe-ready (key, address, port) and the refused keys.
    IP literals need no lookup; names are resolved by a bounded thread pool."""
    targets = list(targets)

    def check(target):
        key, host, port = target
        try:
            return key, str(checked_address(host, networks)), port
        except ProbeRefused:
            return None

    names = [t for t in targets if _literal(t[1]) is None]
    checked = {t[0]: check(t) for t in targets if _literal(t[1]) is not None}
    if names:
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(names)))) as pool:
            checked.update(zip((t[0] for t in names), pool.map(check, names)))
    ready = [checked[t[0]] for t in targets if checked[t[0]] is not None]
    refused = [t[0] for t in targets if checked[t[0]] is None]
    return ready, refused


def probe(address: str, port: int, timeout: float) -> float | None:
    """Latency in milliseconds of a TCP connect to address:port, or None when it fails."""
    return probe_many([(None, address, port)], timeout)[None]


def _start(address: str, port: int) -> socket.socket | None:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setblocking(False)
    code = sock.connect_ex((address, port))
    if code not in (0, errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EAGAIN):
        sock.close()
        return None
    return sock


RESERVED_FDS = 200  # for the database, the log, the web server of the same process


def fd_budget(wanted: int) -> int:
    """How many sockets may be open at once: `wanted`, within the process's file limit (raised
    towards the hard limit first: 1024 is a common soft default)."""
    try:
        import resource
    except ImportError:  # not a POSIX system
        return wanted
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted + RESERVED_FDS:
        target = wanted + RESERVED_FDS if hard == resource.RLIM_INFINITY else min(
            hard, wanted + RESERVED_FDS)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(1, min(wanted, soft - RESERVED_FDS))


def probe_many(targets: list[tuple], timeout: float, concurrency: int = 4000) -> dict:
    """{key: latency in ms or None} for (key, address, port) targets: non-blocking connects,
    at most `concurrency` in flight, each given `timeout` seconds from its own start."""
    concurrency = fd_budget(min(concurrency, max(len(targets), 1)))
    results: dict = {}
    pending = iter(targets)
    in_flight: dict[socket.socket, tuple] = {}  # socket -> (key, started, deadline)
    with selectors.DefaultSelector() as selector:
        def fill():
            while len(in_flight) < concurrency:
                target = next(pending, None)
                if target is None:
                    return
                key, address, port = target
                started = time.perf_counter()
                sock = _start(address, port)
                if sock is None:
                    results[key] = None
                    continue
                in_flight[sock] = (key, started, started + timeout)
                selector.register(sock, selectors.EVENT_WRITE)

        def finish(sock, latency):
            selector.unregister(sock)
            sock.close()
            results[in_flight.pop(sock)[0]] = latency

        fill()
        while in_flight:
            # the dict keeps start order, and every probe has the same timeout: the first one
            # has the nearest deadline and the expired ones form its head
            first_deadline = next(iter(in_flight.values()))[2]
            wait = max(0.0, first_deadline - time.perf_counter())
            for selected, _events in selector.select(wait):
                sock = selected.fileobj
                key, started, _deadline = in_flight[sock]
                failed = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                finish(sock, None if failed else round((time.perf_counter() - started) * 1000, 1))
            now = time.perf_counter()
            expired = []
            for sock, (_key, _started, deadline) in in_flight.items():
                if deadline > now:
                    break
                expired.append(sock)
            for sock in expired:
                finish(sock, None)
            fill()
    return results
