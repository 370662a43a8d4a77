import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
import requests

from server.routing.solver import HaversineProvider, OsrmError, OsrmProvider

ISLAND_LAT = 31.5  # the stand-in server cannot route to or from points at this latitude


class FakeOsrm(BaseHTTPRequestHandler):
    """Answers /table like OSRM: 2x the straight-line metres, 0.1 s per metre, nulls to islands."""

    requests_seen: list = []
    fail = False

    def do_GET(self):
        url = urlsplit(self.path)
        type(self).requests_seen.append(url)
        if self.fail:
            self.send_response(500)
            self.end_headers()
            return
        coords = url.path.split("/")[-1].split(";")
        lnglat = np.array([[float(v) for v in c.split(",")] for c in coords])
        query = parse_qs(url.query)
        src = [int(i) for i in query["sources"][0].split(";")]
        dst = [int(i) for i in query["destinations"][0].split(";")]
        latlng = lnglat[:, ::-1]
        dist, _ = HaversineProvider(detour_factor=2.0).estimate(latlng[src], latlng[dst])
        table = dist.astype(float).tolist()
        for a, i in enumerate(src):
            for b, j in enumerate(dst):
                if ISLAND_LAT in (latlng[i, 0], latlng[j, 0]) and i != j:
                    table[a][b] = None
        durations = [[None if v is None else v / 10 for v in row] for row in table]
        body = json.dumps({"code": "Ok", "distances": table, "durations": durations}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def osrm_url():
    FakeOsrm.requests_seen = []
    FakeOsrm.fail = False
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOsrm)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def session():
    with requests.Session() as s:
        yield s


POINTS = np.array([[31.2304, 121.4737], [31.2397, 121.4998], [31.2200, 121.4500]])


def test_request_puts_longitude_before_latitude(osrm_url, session):
    OsrmProvider(osrm_url, session=session).matrices(POINTS)
    (url,) = FakeOsrm.requests_seen
    assert url.path.startswith("/table/v1/driving/121.473700,31.230400;121.499800,31.239700")
    assert url.query == "annotations=duration,distance&sources=0;1;2&destinations=0;1;2"


def test_routable_pairs_use_osrm_and_unroutable_pairs_fall_back_to_haversine(osrm_url, session):
    points = np.vstack([POINTS, [[ISLAND_LAT, 121.6]]])
    provider = OsrmProvider(osrm_url, session=session)
    dist, dur = provider.matrices(points)
    doubled, _ = HaversineProvider(detour_factor=2.0).estimate(points)
    est_d, est_t = HaversineProvider().estimate(points)
    assert (dist[:3, :3] == doubled[:3, :3]).all()
    assert (dur[:3, :3] == np.rint(doubled[:3, :3] / 10)).all()
    assert (dist[3, :3] == est_d[3, :3]).all() and (dur[:3, 3] == est_t[:3, 3]).all()
    assert provider.fallback_pairs == 6


def test_large_tables_are_split_into_requests_within_the_size_limit(osrm_url, session):
    rng = np.random.default_rng(3)
    points = np.column_stack([rng.uniform(31.1, 31.3, 11), rng.uniform(121.3, 121.6, 11)])
    whole, _ = OsrmProvider(osrm_url, session=session).matrices(points)
    FakeOsrm.requests_seen = []
    chunked, _ = OsrmProvider(osrm_url, session=session, max_table_size=4).matrices(points)
    assert (chunked == whole).all()
    assert len(FakeOsrm.requests_seen) == 9  # 3 blocks of <= 4 points, every pair of blocks
    for u in FakeOsrm.requests_seen:
        query = parse_qs(u.query)
        assert len(query["sources"][0].split(";")) <= 4
        assert len(query["destinations"][0].split(";")) <= 4


def test_http_errors_fall_back_to_haversine_by_default(osrm_url, session):
    FakeOsrm.fail = True
    provider = OsrmProvider(osrm_url, session=session)
    dist, dur = provider.matrices(POINTS)
    est_d, est_t = HaversineProvider().matrices(POINTS)
    assert (dist == est_d).all() and (dur == est_t).all()
    assert provider.fallback_pairs == 9


def test_http_errors_raise_when_fallback_is_off(osrm_url, session):
    FakeOsrm.fail = True
    with pytest.raises(OsrmError):
        OsrmProvider(osrm_url, session=session, raise_on_error=True).matrices(POINTS)
