"""The body depth check measures what a parser would nest, whatever the strings hold."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from server.security.body import json_depth

_TEXT = st.text(alphabet=st.sampled_from('ab"\\[]{}\n\té\u2028'), max_size=8)
_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | _TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
    max_leaves=12)


def _depth(value) -> int:
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    return 0


@given(_VALUES, st.booleans())
def test_the_depth_is_the_parsed_nesting(value, ascii_only):
    raw = json.dumps(value, ensure_ascii=ascii_only).encode()
    assert json_depth(raw) == _depth(value)
