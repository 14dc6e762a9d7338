"""nbval drops malformed sanitize entries silently: check that ours parse and do what they say."""
import re
from pathlib import Path

from nbval.plugin import get_sanitize_patterns

ROOT = Path(__file__).resolve().parents[1]


def _sanitize(text):
    for regex, replace in get_sanitize_patterns((ROOT / "nbval_sanitize.cfg").read_text()):
        text = re.sub(regex, replace, text)
    return text


def test_every_rule_parses():
    assert len(get_sanitize_patterns((ROOT / "nbval_sanitize.cfg").read_text())) == 3


def test_error_magnitudes_are_masked_but_results_are_not():
    assert (_sanitize("✓ d W_hh vs finite differences: 3.94e-08 ≤ 1e-07")
            == "✓ d W_hh vs finite differences: ROUNDOFF ≤ 1e-07")
    assert _sanitize("max abs diff 0.00e+00") == "max abs diff ROUNDOFF"
    assert _sanitize("z = 3.8800, loss 1.2e-05, ppl 3.4914") == "z = 3.8800, loss 1.2e-05, ppl 3.4914"
    assert _sanitize("<Figure at 0x7f5ae28d8e00>") == "<Figure at 0xADDRESS>"
