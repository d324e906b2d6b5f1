"""Every analysis setting in one frozen object, and its place in the store.

The dashboard's sidebar saves :class:`AnalysisParams` on every change
(:func:`save_params`) and the command line and the weekly job read them back
(:func:`load_params`), so both analyse with what the person chose.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

from trace.analysis.interest import InterestParams
from trace.analysis.params import ClusterParams, EmbedParams, FeatureParams, RankingParams
from trace.errors import ParameterError
from trace.store import Store

PARAMS_SETTING = "analysis.params"


@dataclass(frozen=True, slots=True)
class AnalysisParams:
    """Every analysis setting, as the dashboard's sidebar and the batch job share them."""

    features: FeatureParams = field(default_factory=FeatureParams)
    embed: EmbedParams = field(default_factory=EmbedParams)
    cluster: ClusterParams = field(default_factory=ClusterParams)
    interest: InterestParams = field(default_factory=InterestParams)
    ranking: RankingParams = field(default_factory=RankingParams)

    def to_dict(self) -> dict[str, dict[str, Any]]:
        return {f.name: dataclasses.asdict(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AnalysisParams:
        """Settings from :meth:`to_dict`'s shape; missing parts take their defaults,
        unknown names and bad values raise :class:`ParameterError` naming them."""
        parts = {f.name: f.default_factory() for f in dataclasses.fields(cls)}
        for name, values in data.items():
            if name not in parts:
                raise ParameterError(f"unknown analysis setting group {name!r}")
            kind = type(parts[name])
            known = {f.name for f in dataclasses.fields(kind)}
            unknown = set(values) - known
            if unknown:
                raise ParameterError(f"unknown {name} setting(s): {', '.join(sorted(unknown))}")
            # JSON has no tuples: the list-valued settings (columns, ranges) become tuples
            values = {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}
            parts[name] = kind(**values)
        return cls(**parts)


def load_params(store: Store) -> tuple[AnalysisParams, str | None]:
    """The saved settings, or the defaults; the second value explains why saved ones
    could not be used (they are left in the store untouched)."""
    raw = store.get_setting(PARAMS_SETTING)
    if raw is None:
        return AnalysisParams(), None
    try:
        return AnalysisParams.from_dict(json.loads(raw)), None
    except (ValueError, TypeError, ParameterError) as error:
        return (
            AnalysisParams(),
            f"the saved analysis settings could not be used ({error}); using the defaults",
        )


def settings_saved(store: Store) -> bool:
    """Whether the person (or a command with ``--save``) ever saved settings."""
    return store.get_setting(PARAMS_SETTING) is not None


def save_params(store: Store, params: AnalysisParams) -> None:
    store.set_setting(PARAMS_SETTING, json.dumps(params.to_dict(), sort_keys=True))
