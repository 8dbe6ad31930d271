"""A misspelled placeholder is named, and PromQL's own braces are not mistaken for one."""

from __future__ import annotations

import pytest

from console.sources.promql import render, unknown_placeholder


@pytest.mark.parametrize("typo", ["{modle}", "{Model}", "{model_name}", "{ver}"])
def test_misspelled_placeholder_is_named(typo: str) -> None:
    template = f'avg by (version) (model_accuracy{{model="{typo}"}})'
    assert unknown_placeholder(template) == typo
    with pytest.raises(ValueError, match="is not a placeholder"):
        render(template, "fraud", "1")


@pytest.mark.parametrize(
    "template",
    [
        'avg by (version) (model_accuracy{model="{model}"})',
        'm{model="{model}", version="{version}"}',
        'm{model=~"fraud-[a-z]{2,3}", job="x"}',
        'sum by (le, version) (rate(h_bucket{model="{model}"}[5m]))',
        "{model}_accuracy",
    ],
)
def test_promql_braces_are_not_placeholders(template: str) -> None:
    assert unknown_placeholder(template) is None
