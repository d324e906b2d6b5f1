"""The whole analysis on the demo library, its saved settings, and `python -m trace analyse`."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from trace import cli
from trace.analysis import pipeline
from trace.analysis.params import EmbedParams
from trace.analysis.pipeline import AnalysisParams, load_params, save_params
from trace.demo.build import plans
from trace.store import Store


@pytest.fixture(scope="module")
def demo_analysis(demo_home):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TRACE_HOME", str(demo_home[0]))
        with Store() as store:
            library, pool = plans(store)
            return pipeline.analyse(store), library, pool


def style_of(plans_: list) -> dict[str, str]:
    return {str(p.path): p.style for p in plans_ if p.blend is None}


def test_clusters_agree_with_the_demo_styles(demo_analysis):
    result, library_plans, _ = demo_analysis
    truth = result.library["path"].map(style_of(library_plans))
    known = truth.notna().to_numpy()
    assert adjusted_rand_score(truth[known], result.clustering.labels[known]) >= 0.8
    assert result.clustering.dbcv > 0.3 and result.clustering.noise_share < 0.1
    assert {"x", "y", "cluster"} <= set(result.library.columns)
    assert np.isfinite(result.library[["x", "y"]].to_numpy()).all()


def test_the_late_style_is_the_recent_interest_and_ranked_first(demo_analysis):
    result, library_plans, pool_plans = demo_analysis
    style = result.library["path"].map(style_of(library_plans))
    known = style.notna()
    cluster_style = (
        style[known].groupby(result.library.loc[known, "cluster"]).agg(lambda s: s.mode().iloc[0])
    )
    lifts = result.interest.set_index("cluster")["lift"].rename(cluster_style)
    recent = set(cluster_style[result.interest.loc[result.interest["recent_interest"], "cluster"]])
    assert recent == {"electronic"}
    assert lifts["ambient"] < 0.5  # early love, long since faded

    proposed = result.ranking.proposed
    assert len(proposed) >= 5
    candidate_style = proposed["location"].map({str(p.path): p.style for p in pool_plans})
    top = candidate_style.head(10)
    assert (top == "electronic").sum() >= 8  # the recent interest first
    assert "ambient" not in set(top)  # long faded
    assert len(result.interests) >= 1
    assert (proposed["interest"].head(10) >= 1).sum() >= 8
    assert all(1 <= len(n) <= 3 for n in proposed["neighbours"])
    serving = proposed[proposed["interest"] >= 1]
    named = dict(zip(result.interests["number"], result.interests["name"], strict=True))
    for reason, number in zip(serving["reason"], serving["interest"], strict=True):
        assert reason.startswith(f"For {named[number]}: ")


def test_the_style_the_library_lacks_is_unlike_anything(demo_analysis):
    result, _, pool_plans = demo_analysis
    style = result.candidates["path"].map({str(p.path): p.style for p in pool_plans})
    chiptune = result.candidates[style == "chiptune"]
    assert chiptune["unlike"].mean() >= 0.8
    others = result.candidates[style != "chiptune"]
    assert others["unlike"].mean() <= 0.25


def test_settings_round_trip_and_bad_saved_ones_fall_back_with_a_reason(store):
    params = AnalysisParams(embed=EmbedParams(n_neighbors=20, layout_min_dist=0.3))
    save_params(store, params)
    assert load_params(store) == (params, None)
    store.set_setting(pipeline.PARAMS_SETTING, '{"embed": {"n_neighbours": 5}}')
    loaded, problem = load_params(store)
    assert loaded == AnalysisParams() and "n_neighbours" in problem
    assert store.get_setting(pipeline.PARAMS_SETTING) == '{"embed": {"n_neighbours": 5}}'


def test_the_knn_graph_is_reused_when_only_the_layout_changes(monkeypatch):
    from trace.analysis import embed
    from trace.analysis.embed import scale
    from trace.analysis.params import FeatureParams

    calls = []
    original = embed.knn_graph
    monkeypatch.setattr(embed, "knn_graph", lambda *a, **k: calls.append(k) or original(*a, **k))
    rng = np.random.default_rng(1)
    import pandas as pd

    table = pd.DataFrame(rng.normal(size=(120, 6)), columns=[f"f_mfcc_0{i}_mean" for i in range(6)])
    scaled = scale(table, FeatureParams())
    embed.layout_of(scaled, EmbedParams(layout_min_dist=0.1, n_epochs=20))
    embed.layout_of(scaled, EmbedParams(layout_min_dist=0.5, n_epochs=20))
    embed.cluster_space_of(scaled, EmbedParams(n_components=3, n_epochs=20))
    assert len(calls) == 1
    embed.layout_of(scaled, EmbedParams(n_neighbors=8, n_epochs=20))
    assert len(calls) == 2


def test_the_analyse_command_prints_and_writes_json(demo_home, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("TRACE_HOME", str(demo_home[0]))
    assert cli.main(["analyse", "--top", "3"]) == 0
    out = capsys.readouterr().out
    assert "Clusters:" in out and "Recent interests" in out and "close to " in out
    assert "★" in out

    path = tmp_path / "analysis.json"
    assert cli.main(["analyse", "--json", str(path)]) == 0
    data = json.loads(path.read_text())
    assert data["quality"]["clusters"] == len(data["clusters"]) >= 5
    assert len(data["tracks"]) == 240
    track = data["tracks"][0]
    assert track["location"].endswith((".mp3", ".flac", ".ogg"))
    assert {"cluster", "x", "y"} <= set(track)
    assert data["candidates"] and "close to " in data["candidates"][0]["reason"]
    assert data["candidates"][0]["interest"] == 1 and data["candidates"][0]["close_to"] >= 1
    assert data["interests"] and data["interests"][0]["played_most"]
    assert any(c["holds_a_recent_interest"] for c in data["recent_interest"])


def test_the_analyse_command_explains_a_library_too_small(home, capsys):
    assert cli.main(["analyse"]) == 2
    assert "at least 10 tracks" in capsys.readouterr().err
