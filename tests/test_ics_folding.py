"""RFC 5545 line folding (export/ics/export.py `_fold`, `_folded`), for any text: nothing lost,
no physical line over 75 octets, no UTF-8 character split, no piece ending in an escape's start
unless the text leaves no other choice."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ketplan.export.ics.export import _fold, _folded

# Text rich in what folding must respect: escapes' first characters, multi-octet characters.
TEXT = st.text(alphabet=st.sampled_from(["a", " ", "\\", "^", ",", "é", "Ω", "–", "😀", "字"]), max_size=400)


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_folding_keeps_every_octet_and_splits_no_character(text):
    data = f"DESCRIPTION:{text}".encode()
    folded = _fold(data)
    pieces = folded.split(b"\r\n ")
    assert b"".join(pieces) == data  # unfolding gives the line back, octet for octet
    assert all(1 <= len(piece) <= 74 for piece in pieces)
    for piece in pieces:
        piece.decode("utf-8")  # never a split character
    for piece in pieces[:-1]:
        if piece.endswith((b"\\", b"^")):
            # only when there was no other cut: the whole piece is escape characters
            assert piece.strip(b"\\^") == b"", piece


@settings(max_examples=200, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=12))
def test_a_calendar_is_its_lines_each_folded_with_crlf(lines):
    out = _folded([f"X-LINE:{line}" for line in lines])
    assert out.endswith(b"\r\n")
    physical = out[:-2].split(b"\r\n")
    assert all(len(line) <= 75 for line in physical)
    logical = out[:-2].replace(b"\r\n ", b"").split(b"\r\n")
    assert logical == [f"X-LINE:{line}".encode() for line in lines]


def test_a_line_of_backslashes_is_still_cut_into_whole_pieces():
    data = b"X:" + b"\\" * 300
    pieces = _fold(data).split(b"\r\n ")
    assert b"".join(pieces) == data and max(map(len, pieces)) <= 74
