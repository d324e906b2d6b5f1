"""The extractor on synthesised signals with known answers, and on awkward files."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from audiofiles import write_audio, write_samples

from trace.analysis.params import SPOTIFY_FEATURES
from trace.audio import estimates, synth
from trace.audio.decode import Decoded, DecodeFailure, decode_windows
from trace.audio.features import analyse, extract_file
from trace.audio.trust import CONFIDENT
from trace.audio.windows import Windows

RNG = np.random.default_rng(20261122)
SR = synth.SR


def decoded(mono: np.ndarray, sr: int = SR) -> Decoded:
    return Decoded(np.stack([mono, mono]), sr, [(0, len(mono))], len(mono) / sr, sr, 2)


def test_tempo_within_two_percent_with_few_octave_errors():
    """Rock, four-on-the-floor and swung hip-hop loops at 70–180 BPM (36 loops). The
    octave errors are at the ends (70 read 140, 160–180 read half): which level a loop
    of even hats is felt at is a convention there, and on the tempo set's recordings the
    same choices are right more often than librosa's (see docs/FEATURES.md)."""
    right = octave = 0
    misses = []
    styles = {"rock": 0.0, "four": 0.0, "hiphop": 0.15}
    for style, swing in styles.items():
        for bpm in range(70, 181, 10):
            loop = synth.drum_pattern(bpm, 30, RNG, style=style, swing=swing)
            tempo = analyse(decoded(synth.normalise(loop)))["tempo"]
            if abs(tempo - bpm) <= 0.02 * bpm:
                right += 1
            elif min(abs(tempo - 2 * bpm), abs(tempo - bpm / 2)) <= 0.02 * 2 * bpm:
                octave += 1
                misses.append((style, bpm, round(tempo, 1)))
            else:
                misses.append((style, bpm, round(tempo, 1)))
    cases = len(styles) * 12
    print(f"tempo: {right}/{cases} within 2 %, {octave} octave errors: {misses}")
    assert octave <= 0.20 * cases, misses
    assert right + octave == cases, misses


def within(tempo: float, bpm: float) -> bool:
    return abs(tempo - bpm) <= 0.04 * bpm


def test_slow_pieces_with_sparse_onsets_read_slow():
    """A pad, a soft chord on each beat, a faint pluck on some off-beats: 60–80 BPM, not
    120–160 (the double a fixed preference for 120–160 BPM used to pick)."""
    for bpm in (60, 66, 72, 80):
        piece = synth.normalise(synth.slow_piece(bpm, 30, RNG), -12)
        features = analyse(decoded(piece))
        assert within(features["tempo"], bpm), (bpm, features["tempo"])
        assert features["tempo_confidence"] >= CONFIDENT


def test_half_time_drums_read_at_the_felt_tempo():
    """Kick and snare at 75–80 BPM under sixteenth-note hats four times as fast. (At 70
    and below, the kick–snare pulse is slow enough that the eighths win, as many
    listeners would tap them; see docs/FEATURES.md.)"""
    for bpm in (75, 80):
        loop = synth.normalise(synth.drum_pattern(bpm, 30, RNG, style="halftime"))
        tempo = analyse(decoded(loop))["tempo"]
        assert within(tempo, bpm), (bpm, tempo)


def test_a_waltz_reads_its_beat_not_its_bar():
    for bpm in (90, 120, 150, 180):
        tempo = analyse(decoded(synth.normalise(synth.waltz(bpm, 30, RNG))))["tempo"]
        assert within(tempo, bpm), (bpm, tempo)


def pulse_envelope(bpm: float, seconds: float = 20.0, *, off_beat: float = 1.0) -> np.ndarray:
    """An onset envelope with a pulse at ``bpm`` and one of ``off_beat``'s height between."""
    frames_per_beat = 60.0 / bpm * SR / estimates.HOP
    envelope = np.full(int(seconds * SR / estimates.HOP), 0.05)
    for i, at in enumerate(np.arange(0, len(envelope) - 1, frames_per_beat / 2)):
        envelope[round(at)] = 1.0 if i % 2 == 0 else off_beat
    return envelope


def choose(envelope: np.ndarray, flux_db: float) -> estimates.TempoChoice:
    import librosa

    ac = librosa.feature.tempogram(onset_envelope=envelope, sr=SR, hop_length=estimates.HOP)
    bpms = librosa.tempo_frequencies(len(ac), sr=SR, hop_length=estimates.HOP)
    return estimates.choose_tempo(bpms, ac.mean(axis=1), [envelope], flux_db=flux_db, sr=SR)


def test_the_octave_of_an_even_pulse_follows_the_spectral_flux():
    """Equal pulses at 140 per minute: is the beat 70 or 140? Nothing in the periodicity
    or the beats' strength decides; calm music (low flux) is felt at 70, busy at 140."""
    even = pulse_envelope(70, off_beat=1.0)
    assert within(choose(even, flux_db=0.4).tempo, 70)
    assert within(choose(even, flux_db=2.0).tempo, 140)


def test_weak_off_beats_keep_busy_music_at_the_slower_level():
    """Strong beats at 70 and off-beats at a third of their height: the beat's strength
    at 140 falls, so even busy music reads 70 — the strength, not the flux alone."""
    accented = pulse_envelope(70, off_beat=0.3)
    assert within(choose(accented, flux_db=2.0).tempo, 70)


def test_an_octave_tie_is_less_confident_than_a_clear_winner():
    even = choose(pulse_envelope(70, off_beat=1.0), flux_db=1.0)
    accented = choose(pulse_envelope(70, off_beat=0.3), flux_db=1.0)
    assert accented.confidence > even.confidence


def figure_envelope(bpm: float, accents: tuple[int, ...], seconds: float = 20.0) -> np.ndarray:
    """Eighths at ``bpm``: a kick of 0.5 on every beat, 1.0 on the eighths of ``accents``
    within each bar of 8 eighths (4/4), 0.15 on the others."""
    frames_per_eighth = 60.0 / bpm / 2 * SR / estimates.HOP
    envelope = np.full(int(seconds * SR / estimates.HOP), 0.02)
    for i, at in enumerate(np.arange(0, len(envelope) - 1, frames_per_eighth)):
        step = i % 8
        envelope[round(at)] = 1.0 if step in accents else 0.5 if step % 2 == 0 else 0.15
    return envelope


def test_a_three_three_two_figure_reads_its_beat_not_the_dotted_beat():
    """Accents on eighths 1, 4 and 7 of each bar (3+3+2) over a kick on every beat: the
    onsets repeat most strongly every 1.5 beats (2/3 of the tempo, a common miss on the
    tempo set), but only the beat's bar of 4 repeats as well. Which octave of the beat
    is read depends on the flux; a 2/3 or 4/3 reading is never right."""
    for bpm in (100, 128, 150):
        for flux_db in (1.0, 2.0):  # a drum figure is busy music
            tempo = choose(figure_envelope(bpm, (0, 3, 6)), flux_db=flux_db).tempo
            assert any(within(tempo, bpm * octave) for octave in (0.5, 1, 2)), (bpm, tempo)


def test_tempo_confidence_says_whether_there_are_beats_to_tap():
    drums = analyse(decoded(synth.normalise(synth.drum_pattern(124, 30, RNG, style="four"))))
    pad = analyse(decoded(synth.normalise(synth.pad(57, synth.MINOR, 30, rng=RNG), -18)))
    cadence = analyse(decoded(synth.normalise(synth.progression(2, False, 20))))
    assert drums["tempo_confidence"] > 0.8
    assert pad["tempo_confidence"] < 0.2
    assert cadence["tempo_confidence"] < CONFIDENT  # a chord every 2 s is no beat to tap


def test_key_confidence_is_high_for_a_cadence_and_low_for_noise():
    cadence = analyse(decoded(synth.normalise(synth.progression(2, False, 20))))
    noise = analyse(decoded(synth.normalise(RNG.standard_normal(20 * SR).astype(np.float32))))
    assert cadence["key_confidence"] > 0.9
    assert noise["key_confidence"] < CONFIDENT


def test_danceability_orders_drums_above_a_slow_piece_above_a_pad():
    drums = analyse(decoded(synth.normalise(synth.drum_pattern(120, 30, RNG, style="four"))))
    slow = analyse(decoded(synth.normalise(synth.slow_piece(66, 30, RNG), -12)))
    pad = analyse(decoded(synth.normalise(synth.pad(57, synth.MINOR, 30, rng=RNG), -18)))
    assert drums["danceability"] > slow["danceability"] + 0.3
    assert slow["danceability"] > pad["danceability"] + 0.2
    assert pad["danceability"] > 0.0 and drums["danceability"] < 1.0


def test_key_and_mode_of_cadences_in_all_24_keys():
    right = 0
    for minor in (False, True):
        for tonic in range(12):
            features = analyse(decoded(synth.normalise(synth.progression(tonic, minor, 16))))
            right += (features["key"], features["mode"]) == (tonic, 0 if minor else 1)
    assert right >= 0.9 * 24


def sine(seconds: float, gain_db: float, sr: int = 44100) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    return (10 ** (gain_db / 20) * np.sin(2 * np.pi * 997 * t)).astype(np.float32)


def test_loudness_matches_bs1770_and_follows_gain(tmp_path):
    """A 997 Hz stereo sine at −20 dBFS peak per channel measures −20 LUFS."""
    loudness = []
    for gain in (-30, -20, -10, -3):
        x = sine(12, gain)
        path = write_samples(tmp_path / f"{gain}.wav", np.stack([x, x], axis=1), 44100)
        loudness.append(extract_file(path)["loudness"])
    assert loudness[1] == pytest.approx(-20.0, abs=1.0)
    assert np.all(np.diff(loudness) > 0)
    assert np.diff(loudness) == pytest.approx([10, 10, 7], abs=0.5)


def test_energy_and_danceability_order_a_beat_above_a_quiet_pad():
    beat = analyse(decoded(synth.normalise(synth.drum_pattern(124, 30, RNG, style="four"))))
    pad = analyse(decoded(synth.normalise(synth.pad(57, synth.MINOR, 30, rng=RNG), -18)))
    assert beat["energy"] > pad["energy"] + 0.3
    assert beat["danceability"] > pad["danceability"] + 0.5
    assert pad["danceability"] < 0.2


def test_acousticness_orders_a_plucked_guitar_above_a_distorted_synth():
    guitar = np.zeros(30 * SR, np.float32)
    for i in range(60):
        synth.place(guitar, synth.pluck(synth.midi_hz(52 + (i * 5) % 12), 1.5, RNG), i * 0.5, SR)
    saw = np.clip(3 * synth.tone(110, 30, harmonics=40, brightness=0.95), -0.8, 0.8)
    acoustic = analyse(decoded(synth.normalise(guitar)))["acousticness"]
    electric = analyse(decoded(synth.normalise(saw)))["acousticness"]
    assert acoustic > electric + 0.2


def test_every_feature_is_named_finite_and_in_range():
    loop = synth.drum_pattern(100, 20, RNG) + 0.3 * synth.progression(2, False, 20)
    features = analyse(decoded(synth.normalise(loop)))
    assert set(SPOTIFY_FEATURES) <= set(features)
    assert {f"mfcc_{i:02d}_{s}" for i in range(1, 14) for s in ("mean", "std")} <= set(features)
    assert {"chroma_a_mean", "spectral_contrast_7_mean", "zcr_mean", "rms_std"} <= set(features)
    assert {"onset_rate", "pulse_clarity", "beat_strength", "tempo_confidence"} <= set(features)
    assert all(np.isfinite(v) for v in features.values())
    for name in (
        "energy",
        "danceability",
        "acousticness",
        "key_confidence",
        "tempo_confidence",
        "mode",
    ):
        assert 0.0 <= features[name] <= 1.0, name
    assert -60.0 <= features["loudness"] <= 0.0
    assert 0 <= features["key"] <= 11


@pytest.mark.parametrize("ext", ["mp3", "flac", "ogg", "opus", "m4a", "wav", "aiff"])
def test_every_format_decodes_to_the_same_tempo(ext, tmp_path):
    rate = 48000 if ext == "opus" else SR  # Opus only takes 8/12/16/24/48 kHz
    loop = synth.drum_pattern(128, 12, np.random.default_rng(5), style="four", sr=rate)
    loop = synth.normalise(loop)
    path = tmp_path / f"loop.{ext}"
    if ext == "m4a":
        write_audio(path, seconds=12)  # PyAV's AAC encoder: a tone is enough to decode
        assert extract_file(path)["duration_ms"] == pytest.approx(12000, abs=100)
        return
    write_samples(path, np.stack([loop, loop], axis=1), rate)
    assert extract_file(path)["tempo"] == pytest.approx(128, rel=0.02)


def test_windows_are_spread_over_the_track_and_short_tracks_are_whole():
    windows = Windows(count=3, seconds=30, whole_below=100)
    assert windows.spans(80) == [(0.0, 80)]
    assert windows.spans(240) == [(45.0, 75.0), (105.0, 135.0), (165.0, 195.0)]


def test_two_hour_file_decodes_only_its_windows(tmp_path):
    sr = 8000
    path = tmp_path / "long.flac"
    minute = np.zeros(60 * sr, np.float32)
    for start in range(0, len(minute), sr // 2):
        minute[start : start + 200] = 0.5 * np.sin(np.arange(200) / 3)
    with sf.SoundFile(path, "w", sr, 1, format="FLAC") as out:
        for _ in range(120):
            out.write(minute)
    result = decode_windows(path)
    assert result.duration == pytest.approx(7200, abs=1)
    windows = Windows()
    assert result.stereo.shape[1] == pytest.approx(windows.count * windows.seconds * SR, rel=0.01)
    assert extract_file(path)["tempo"] == pytest.approx(120, rel=0.02)


@pytest.mark.parametrize("rate", [8000, 192000])
def test_unusual_sample_rates(rate, tmp_path):
    loop = synth.drum_pattern(110, 12, np.random.default_rng(3), sr=rate)
    path = write_samples(tmp_path / f"{rate}.wav", synth.normalise(loop)[:, None], rate)
    features = extract_file(path)
    assert features["tempo"] == pytest.approx(110, rel=0.02)


def test_surround_is_downmixed(tmp_path):
    loop = synth.normalise(synth.drum_pattern(100, 10, np.random.default_rng(4)))
    channels = np.zeros((len(loop), 6), np.float32)
    channels[:, 2] = loop  # the centre channel only
    path = write_samples(tmp_path / "surround.wav", channels, SR)
    features = extract_file(path)
    assert features["tempo"] == pytest.approx(100, rel=0.02)
    assert features["loudness"] > -40


def failure(path) -> str:
    with pytest.raises(DecodeFailure) as caught:
        extract_file(path)
    return caught.value.reason


def test_files_that_cannot_be_analysed(tmp_path):
    silent = write_samples(tmp_path / "silent.flac", np.zeros((SR * 10, 1), np.float32), SR)
    short = write_samples(tmp_path / "short.wav", sine(1, -10)[:, None], 44100)
    nan = sine(10, -10)
    nan[1000:2000] = np.nan
    invalid = write_samples(tmp_path / "nan.wav", nan[:, None], 44100)
    sf.write(invalid, nan, 44100, subtype="FLOAT")
    garbage = tmp_path / "garbage.flac"
    good = write_samples(tmp_path / "good.flac", sine(10, -10)[:, None], 44100).read_bytes()
    garbage.write_bytes(good[:8192] + RNG.bytes(len(good) - 8192))
    assert failure(silent) == "silent"
    assert failure(short) == "too short"
    assert failure(invalid) == "NaN or Inf samples"
    assert failure(garbage) in {"undecodable", "too short", "silent"}
    assert failure(tmp_path / "does-not-exist.mp3") == "undecodable"
