"""PromQL templates: placeholders filled and escaped for where they stand."""

from __future__ import annotations

import pytest

from console.sources.promql import render


def test_double_quoted_label_value_is_escaped() -> None:
    template = 'avg by (version) (model_accuracy{model="{model}"})'
    assert render(template, 'a"b\\c') == 'avg by (version) (model_accuracy{model="a\\"b\\\\c"})'


def test_single_quoted_and_raw_strings() -> None:
    assert render("m{model='{model}'}", "o'brien") == "m{model='o\\'brien'}"
    assert render("m{model=`{model}`}", 'say "hi"') == 'm{model=`say "hi"`}'
    with pytest.raises(ValueError, match="backtick"):
        render("m{model=`{model}`}", "a`b")


def test_version_placeholder_and_newlines() -> None:
    template = 'm{model="{model}", version="{version}"}'
    assert render(template, "fraud", "2") == 'm{model="fraud", version="2"}'
    assert render('m{model="{model}"}', "a\nb") == 'm{model="a\\nb"}'
    with pytest.raises(ValueError, match="names \\{version\\}"):
        render(template, "fraud")


def test_outside_quotes_only_plain_names() -> None:
    assert render("{model}_accuracy", "fraud_v2") == "fraud_v2_accuracy"
    with pytest.raises(ValueError, match="cannot stand outside quotes"):
        render("{model}_accuracy", "fraud-v2")


def test_escaped_quote_inside_a_string_keeps_the_string_open() -> None:
    template = 'm{note="say \\"{model}\\"", model="{model}"}'
    assert render(template, 'x"y') == 'm{note="say \\"x\\"y\\"", model="x\\"y"}'
