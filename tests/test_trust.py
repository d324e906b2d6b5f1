"""Confidence in use: unconfident tempos and keys stay out of charts and cluster names;
after an extractor change the previous features are shown until the re-analysis is done."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from trace.analysis.profiles import profile_clusters
from trace.audio import windows as windows_module
from trace.audio.reanalysis import reanalysis, shown_extractor
from trace.audio.trust import CONFIDENT, trusted, uncertain
from trace.audio.windows import Windows, extractor_id
from trace.library.scan import scan_library
from trace.ui import charts

RNG = np.random.default_rng(20)


def test_trusted_leaves_out_unconfident_tempos_and_keys_but_keeps_imported_ones():
    table = pd.DataFrame(
        {
            "f_tempo": [160.0, 90.0, 120.0],
            "f_tempo_confidence": [0.2, 0.9, np.nan],  # the last imported: no confidence
            "f_key": [2.0, 5.0, 7.0],
            "f_mode": [1.0, 0.0, 1.0],
            "f_key_confidence": [0.9, 0.1, np.nan],
        }
    )
    sure = trusted(table)
    assert sure["f_tempo"].tolist()[1:] == [90.0, 120.0] and np.isnan(sure["f_tempo"][0])
    assert np.isnan(sure["f_key"][1]) and np.isnan(sure["f_mode"][1])
    assert sure["f_key"][0] == 2.0 and sure["f_key"][2] == 7.0
    assert table["f_tempo"][0] == 160.0  # the original is untouched
    assert uncertain(table, "tempo").tolist() == [True, False, False]


def test_a_cluster_is_not_named_fast_on_tempos_nobody_would_tap():
    n = 60
    loud_beatless = pd.DataFrame(
        {
            "f_tempo": RNG.normal(175, 5, n),  # doubled readings of music without beats
            "f_tempo_confidence": RNG.uniform(0.05, CONFIDENT - 0.1, n),
            "f_loudness": RNG.normal(-5, 1, n),
        }
    )
    quiet_steady = pd.DataFrame(
        {
            "f_tempo": RNG.normal(95, 5, n),
            "f_tempo_confidence": RNG.uniform(0.7, 0.95, n),
            "f_loudness": RNG.normal(-25, 1, n),
        }
    )
    table = pd.concat([loud_beatless, quiet_steady], ignore_index=True)
    labels = np.array([0] * n + [1] * n)
    space = np.vstack([RNG.normal(0, 1, (n, 3)), RNG.normal(10, 1, (n, 3))])
    loud, quiet = profile_clusters(table, labels, space)
    assert "fast" not in loud.name and "slow" not in loud.name and "loud" in loud.name
    assert "quiet" in quiet.name


def test_the_track_table_and_the_charts_say_when_a_tempo_is_uncertain():
    table = pd.DataFrame(
        {
            "f_tempo": [128.4, 170.0, np.nan],
            "f_tempo_confidence": [0.9, 0.1, np.nan],
            "f_key": [0.0, 1.0, np.nan],
            "f_key_confidence": [0.9, 0.8, np.nan],
        }
    )
    assert charts.tempo_text(table).tolist() == ["128 BPM", "uncertain", ""]
    note = charts.trust_note(table, ["tempo", "key", "energy"])
    assert note == (
        "Tempo (BPM) is shown for 1 of 2 tracks: 1 track has no beat clear enough to tap."
    )


def features_row(store, signature: str, extractor: str, tempo: float) -> None:
    store.execute(
        "INSERT INTO features (signature, extractor, data, extracted_at) VALUES (?, ?, ?, 'x')",
        (signature, extractor, json.dumps({"tempo": tempo, "tempo_confidence": 0.9})),
    )


def test_the_previous_features_are_shown_until_every_file_is_analysed_again(
    store, music, monkeypatch
):
    from audiofiles import make_track

    for name in ("a", "b"):
        make_track(music / f"{name}.flac", {"title": name})
    scan_library([music], store)
    signatures = [row[0] for row in store.execute("SELECT signature FROM files ORDER BY path")]
    windows = Windows()
    old = extractor_id(windows)
    for signature in signatures:
        features_row(store, signature, old, 100.0)
    assert reanalysis(store) is None and shown_extractor(store) == old

    monkeypatch.setattr(windows_module, "EXTRACTOR_VERSION", windows_module.EXTRACTOR_VERSION + 1)
    new = extractor_id(windows)
    pending = reanalysis(store)
    assert (pending.previous, pending.current, pending.done, pending.total) == (old, new, 0, 2)
    assert shown_extractor(store) == old
    features_row(store, signatures[0], new, 120.0)
    assert reanalysis(store).done == 1 and shown_extractor(store) == old  # never mixed
    store.execute(
        "INSERT INTO feature_errors (signature, extractor, display_path, reason, at) "
        "VALUES (?, ?, 'b.flac', 'silent', 'x')",
        (signatures[1], new),
    )
    assert reanalysis(store) is None and shown_extractor(store) == new  # a failure is done
