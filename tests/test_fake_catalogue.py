"""The fake Deezer and iTunes (tests/fake_catalogue.py) behaves like the real services."""

from __future__ import annotations

import io
import time
from urllib.parse import parse_qs, urlparse

import av
import pytest
import requests
from fake_catalogue import (
    deezer_track,
    itunes_song,
    m4a_clip,
    mp3_clip,
    serve_catalogue,
)


@pytest.fixture(scope="module")
def clip() -> bytes:
    return mp3_clip(30.0)


@pytest.fixture
def fake(clip):
    with serve_catalogue() as server:
        server.add_deezer(
            deezer_track(3135556, artist="Daft Punk", title="Harder", isrc="GBDUW0000059"),
            clip,
        )
        server.add_deezer(
            deezer_track(
                3135557, artist="Daft Punk", title="Harder", title_version="(Live)", rank=900000
            ),
            clip,
        )
        server.add_deezer(deezer_track(4, artist="Someone Else", title="Harder"))  # no preview
        yield server


def _get(url: str, **params) -> requests.Response:
    return requests.get(url, params=params, timeout=5)


def test_track_by_id_and_by_isrc_is_the_full_object(fake):
    by_id = _get(f"{fake.deezer_url}/track/3135556").json()
    by_isrc = _get(f"{fake.deezer_url}/track/isrc:GBDUW0000059").json()
    assert by_id["id"] == by_isrc["id"] == 3135556
    assert by_id["isrc"] == "GBDUW0000059"
    assert {"contributors", "bpm", "gain", "available_countries", "release_date"} <= set(by_id)
    assert by_id["artist"]["name"] == "Daft Punk" and by_id["album"]["type"] == "album"
    live = _get(f"{fake.deezer_url}/track/3135557").json()
    assert (live["title"], live["title_short"], live["title_version"]) == (
        "Harder (Live)",
        "Harder",
        "(Live)",
    )
    assert live["artist"]["id"] == by_id["artist"]["id"]  # derived from the name
    assert _get(f"{fake.deezer_url}/track/4").json()["preview"] == ""
    for missing in ("track/999", "track/isrc:XX0000000000", "artist/1"):
        answer = _get(f"{fake.deezer_url}/{missing}")
        assert answer.status_code == 200
        assert answer.json() == {
            "error": {"type": "DataException", "message": "no data", "code": 800}
        }


def test_search_is_shorter_ranked_and_returns_decoys(fake):
    answer = _get(f"{fake.deezer_url}/search", q='artist:"daft punk" track:"harder"').json()
    assert answer["total"] == 2 and "next" not in answer
    assert [t["id"] for t in answer["data"]] == [3135557, 3135556]  # the decoy ranks first
    assert not {"isrc", "contributors", "bpm"} & set(answer["data"][0])
    assert answer["data"][0]["preview"].startswith(fake.base_url + "/cdn/deezer/3135557.mp3?")
    paged = _get(f"{fake.deezer_url}/search", q="harder", limit=1).json()
    assert paged["total"] == 3 and len(paged["data"]) == 1
    following = _get(paged["next"]).json()
    assert following["data"][0]["id"] == 3135556
    assert _get(f"{fake.deezer_url}/search", q="harder else").json()["total"] == 1
    artists = _get(f"{fake.deezer_url}/search/artist", q="DAFT").json()
    assert [a["name"] for a in artists["data"]] == ["Daft Punk"]
    daft = artists["data"][0]["id"]
    fake.relate(daft, [deezer_track(4, artist="Someone Else", title="x")["artist"]["id"]])
    related = _get(f"{fake.deezer_url}/artist/{daft}/related").json()
    assert [a["name"] for a in related["data"]] == ["Someone Else"]
    top = _get(f"{fake.deezer_url}/artist/{daft}/top").json()
    assert [t["id"] for t in top["data"]] == [3135557, 3135556]
    assert "contributors" in top["data"][0] and "isrc" not in top["data"][0]


def test_deezer_quota_is_an_error_inside_a_200(fake):
    fake.deezer_limit = (5, 0.5)
    answers = [_get(f"{fake.deezer_url}/track/3135556") for _ in range(6)]
    assert all(a.status_code == 200 for a in answers)
    assert "id" in answers[4].json()
    assert answers[5].json()["error"]["code"] == 4
    preview = answers[0].json()["preview"]
    assert _get(preview).status_code == 200  # the CDN is not limited
    time.sleep(0.55)
    assert _get(f"{fake.deezer_url}/track/3135556").json()["id"] == 3135556


def test_itunes_shapes_and_its_403_after_the_limit(fake):
    fake.add_itunes(itunes_song(77, artist="Daft Punk", title="Harder", album="Discovery"), b"aac")
    fake.itunes_limit = (3, 60.0)
    answer = _get(f"{fake.itunes_url}/search", term="daft harder", entity="song", media="music")
    assert answer.headers["Content-Type"] == "text/javascript; charset=utf-8"
    body = answer.json()
    assert body["resultCount"] == 1
    song = body["results"][0]
    assert song["trackId"] == 77 and "isrc" not in song and song["kind"] == "song"
    assert _get(song["previewUrl"]).content == b"aac"
    assert _get(f"{fake.itunes_url}/search", term="nothing like it").json()["resultCount"] == 0
    _get(f"{fake.itunes_url}/search", term="daft")
    assert _get(f"{fake.itunes_url}/search", term="daft").status_code == 403


def test_preview_urls_expire_and_cannot_be_forged(fake, clip):
    fake.preview_ttl = 0.5
    url = _get(f"{fake.deezer_url}/track/3135556").json()["preview"]
    exp = parse_qs(urlparse(url).query)["hdnea"][0].split("~")[0]
    assert exp.startswith("exp=") and int(exp[4:]) >= time.time()
    fresh = _get(url)
    assert fresh.status_code == 200 and fresh.content == clip
    assert fresh.headers["Content-Type"] == "audio/mpeg"
    assert _get(url.replace("hmac=", "hmac=0")).status_code == 403
    time.sleep(0.6)
    assert _get(url).status_code == 403
    assert _get(_get(f"{fake.deezer_url}/track/3135556").json()["preview"]).status_code == 200


def test_a_truncated_download_raises_in_requests(fake, clip):
    url = _get(f"{fake.deezer_url}/track/3135556").json()["preview"]
    fake.truncate_next_download(3135556)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        requests.get(url, timeout=5)  # urllib3 checks Content-Length against what arrived
    with requests.get(url, stream=True, timeout=5) as streamed:
        assert int(streamed.headers["Content-Length"]) == len(clip)
        assert len(streamed.content) == len(clip)  # only the next one was cut short


def test_fail_queues_canned_and_slow_answers(fake):
    fake.fail("GET /deezer/track/*", 502, times=2)
    fake.fail("GET /deezer/search", 200, {"error": {"type": "OAuthException", "code": 300}})
    fake.fail("GET /itunes/search", 200, delay=0.3)
    for _ in range(2):
        failed = _get(f"{fake.deezer_url}/track/3135556")
        assert failed.status_code == 502 and "<html>" in failed.text
    assert _get(f"{fake.deezer_url}/track/3135556").status_code == 200
    assert _get(f"{fake.deezer_url}/search", q="x").json()["error"]["type"] == "OAuthException"
    started = time.monotonic()
    slow = _get(f"{fake.itunes_url}/search", term="daft")
    assert time.monotonic() - started >= 0.3 and slow.json()["resultCount"] == 0
    fake.fail("GET /cdn/*", 200, delay=1.0)
    url = _get(f"{fake.deezer_url}/track/3135556").json()["preview"]
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(url, timeout=0.2)
    assert [r.service for r in fake.requests[-2:]] == ["deezer", "cdn"]
    assert fake.requests[0].path == "/deezer/track/3135556"


def test_clips_decode_to_about_thirty_seconds():
    for data in (mp3_clip(30.0), m4a_clip(30.0, freq=330.0, bpm=100.0)):
        with av.open(io.BytesIO(data)) as container:
            assert container.duration / 1e6 == pytest.approx(30.0, abs=0.3)
