"""Finding and reading protocol files: the I/O layer in front of ketplan.core.protocol.

The core only parses text (`parse_protocol`); this module reads the files. Shipped protocols
live in the installed `ketplan/protocols` folder (pyproject.toml force-includes the top-level
`protocols/` there); in a source checkout or editable install that folder does not exist and
`<repo>/protocols` next to the package is used instead.

Every failure is a KetplanError with `field = "protocol"` and a one-line message that names
the file and says what is wrong.
"""

from __future__ import annotations

import functools
import re
import tomllib
from pathlib import Path

from ketplan.core.errors import InputError, ProtocolError, quoted
from ketplan.core.protocol import Protocol, parse_protocol

FIELD = "protocol"
SUFFIX = ".toml"
MAX_FILE_BYTES = 1_000_000  # a protocol file is a few kB; anything this large is not one


def shipped_dir() -> Path:
    """The folder of shipped protocol files (installed wheel first, then the source checkout)."""
    return _shipped_dir()


# Found once per process: every roster row that names a shipped protocol looks its file up there,
# and resolving the package's path cost more than the row's lookup itself.
@functools.cache
def _shipped_dir() -> Path:
    package = Path(__file__).resolve().parent.parent  # ketplan/
    installed = package / "protocols"
    if installed.is_dir():
        return installed
    return package.parent / "protocols"


def read_protocol_file(path: str | Path) -> Protocol:
    """Read and validate one protocol file. Errors name the file as the caller spelled it."""
    # The name as the caller spelled it, made printable (escapes shown, not sent to the terminal)
    # and cut when absurdly long, so that every message stays one readable line.
    spelled = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in str(path))
    name = spelled if len(spelled) <= 200 else spelled[:199] + "…"
    path = Path(path)
    from ketplan.io.files import NotARegularFile, read_regular_file

    try:
        if path.is_dir():
            raise InputError(f"{name}: is a directory, not a protocol file", FIELD)
        data = read_regular_file(path, MAX_FILE_BYTES)  # devices and FIFOs refused, reads bounded
    except OverflowError:
        raise InputError(f"{name}: too large for a protocol file (limit {MAX_FILE_BYTES} bytes)", FIELD) from None
    except NotARegularFile as error:
        raise InputError(f"{name}: {error.strerror}; give a protocol .toml file", FIELD) from None
    except FileNotFoundError:
        raise InputError(f"{name}: no such file", FIELD) from None
    except PermissionError:
        raise InputError(f"{name}: cannot be read (permission denied)", FIELD) from None
    except OSError as error:
        raise InputError(f"{name}: cannot be read ({error.strerror or error})", FIELD) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ProtocolError(
            f"{name}: not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start}); save the file as UTF-8",
            FIELD,
        ) from None
    depth = _nesting_depth(text)
    if depth > MAX_NESTING:
        raise ProtocolError(
            f"{name}: arrays or tables nested {depth} levels deep (limit {MAX_NESTING}); not a protocol file", FIELD
        )
    try:
        raw = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError):
        raw = None  # parse_protocol reports it
    if raw is not None:  # checked before any normalisation, which would hide NEL or U+2028
        _refuse_forbidden_text(raw, name)
    try:
        protocol = parse_protocol(text, name)
    except ProtocolError as error:
        error.field = error.field or FIELD
        raise
    except RecursionError:
        raise ProtocolError(f"{name}: nested too deeply to be a protocol file", FIELD) from None
    return protocol


MAX_NESTING = 32  # a protocol file nests 3 levels; tomllib recurses per level and crashes near 500


def _nesting_depth(text: str) -> int:
    """The deepest nesting of [ and { outside strings and comments (an upper bound for TOML)."""
    depth = deepest = 0
    quote = ""
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if quote:
            if ch == "\\" and quote == '"':
                i += 2
                continue
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth = max(0, depth - 1)
        i += 1
    return deepest


def _refuse_forbidden_text(value: object, name: str, where: str = "") -> None:
    """Protocol text reaches terminals, CSV cells and calendars: no control or formatting
    characters (ketplan.core.text: Cc, Cf such as bidi overrides, U+2028/9, ESC)."""
    from ketplan.core.text import describe, find_forbidden

    if isinstance(value, str):
        found = find_forbidden(value, multiline=True)
        if found is not None:
            raise ProtocolError(
                f"{name}: {where or 'a text'} contains the control or formatting character {describe(found[1])} "
                f"at position {found[0] + 1}; protocol text must be printable",
                FIELD,
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_forbidden_text(str(key), name, where)
            _refuse_forbidden_text(item, name, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _refuse_forbidden_text(item, name, f"{where}[{index}]")


@functools.cache
def _shipped_file(path: Path) -> Protocol:
    """One shipped protocol file, read and validated once per process."""
    protocol = read_protocol_file(path)
    if protocol.id != path.stem:
        raise ProtocolError(f"{path}: id: {protocol.id!r} does not match the file name (expected {path.stem!r})", FIELD)
    return protocol


@functools.lru_cache(maxsize=1)
def _shipped() -> tuple[Protocol, ...]:
    folder = shipped_dir()
    if not folder.is_dir():
        raise ProtocolError(f"{folder}: the shipped protocol folder is missing (broken installation?)", FIELD)
    protocols = [_shipped_file(path) for path in sorted(folder.glob(f"*{SUFFIX}"))]
    defaults: dict[str, str] = {}
    for protocol in protocols:
        if protocol.default_for_route:
            route = protocol.route.value
            if route in defaults:
                raise ProtocolError(
                    f"{folder}: default_for_route: both {defaults[route]!r} and {protocol.id!r} are the default "
                    f"for route {route!r}; only one may be",
                    FIELD,
                )
            defaults[route] = protocol.id
    return tuple(sorted(protocols, key=lambda p: p.id))


def shipped_protocols() -> list[Protocol]:
    """Every shipped protocol, sorted by id (read once per process)."""
    return list(_shipped())


def shipped_ids() -> list[str]:
    return [p.id for p in _shipped()]


def _looks_like_path(ref: str) -> bool:
    return ref.endswith(SUFFIX) or "/" in ref or "\\" in ref or ref.startswith(".")


def load_protocol(ref: str) -> Protocol:
    """A shipped protocol by id, or a protocol file by path."""
    ref = str(ref)
    if not ref.strip():
        raise InputError("protocol: give a protocol id or a path to a .toml file", FIELD)
    if not _looks_like_path(ref):
        if _ID.fullmatch(ref) and (shipped_dir() / f"{ref}{SUFFIX}").is_file():
            return _shipped_file(shipped_dir() / f"{ref}{SUFFIX}")  # a shipped file is named after its id
        for protocol in _shipped():
            if protocol.id == ref:
                return protocol
        if not _is_file(ref):
            raise InputError(
                f"unknown protocol {quoted(ref, 60)}: not a shipped id ({', '.join(shipped_ids())}) and no such file "
                "(see 'ketplan protocols')",
                FIELD,
            )
    return read_protocol_file(ref)


def _is_file(ref: str) -> bool:
    try:
        return Path(ref).is_file()
    except (OSError, ValueError):  # a name too long for the file system, a NUL byte
        return False


_ID = re.compile(r"[a-z0-9][a-z0-9-]{1,60}")  # the id pattern of ketplan.core.protocol.Protocol


_FIRST_TABLE = re.compile(r"^[ \t]*\[", re.MULTILINE)


def _declares_default(path: Path, route: str) -> bool:
    """Whether a shipped file says it is the default for `route`, from its top-level keys only.

    `route` and `default_for_route` are top-level keys, and TOML puts every top-level key before
    the first table header, so only that head is parsed (a tenth of the file: reading all eight
    files in full was a measurable part of a single plan's start-up). The answer only picks the
    candidate: the one file chosen is then read and validated in full, and a head that does not
    parse on its own (a `[` line inside a multi-line string), an unreadable file, or any number of
    candidates other than one sends the decision to the full catalog read."""
    try:
        text = path.read_text(encoding="utf-8-sig")
        first_table = _FIRST_TABLE.search(text)
        data = tomllib.loads(text[: first_table.start()] if first_table else text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return True
    return data.get("route") == route and data.get("default_for_route") is True


def default_protocol(route: str) -> Protocol:
    """The shipped protocol marked `default_for_route` for this route.

    Only that file is validated (a single plan needs one protocol, not the eight); when the
    files do not name exactly one candidate, the full catalog read decides and reports.
    Cached per process: a roster asks once per route, not once per patient."""
    return _default_protocol(str(getattr(route, "value", route)))


@functools.cache
def _default_protocol(route: str) -> Protocol:
    folder = shipped_dir()
    if folder.is_dir():
        candidates = [path for path in sorted(folder.glob(f"*{SUFFIX}")) if _declares_default(path, route)]
        if len(candidates) == 1:
            protocol = _shipped_file(candidates[0])
            if protocol.route.value == route and protocol.default_for_route:
                return protocol
    matches = [p for p in _shipped() if p.route.value == route and p.default_for_route]
    if not matches:
        routes = sorted({p.route.value for p in _shipped() if p.default_for_route})
        raise InputError(f"no default protocol for route {route!r} (routes: {', '.join(routes)})", FIELD)
    return matches[0]


def clear_caches() -> None:
    """Forget every protocol read so far (tests that point `shipped_dir` elsewhere)."""
    for cached in (_default_protocol, _shipped_file, _shipped, _shipped_dir):
        cached.cache_clear()
