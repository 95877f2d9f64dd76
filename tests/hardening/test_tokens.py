"""Token guessing: every guess costs a full scrypt and a constant-time compare, and an address that
keeps guessing gets 429 + Retry-After for its guesses until its failures leave the window; other
addresses are not affected. A valid token is never refused, not even from that address: the brake
must not lock a steward out (behind a proxy it would lock out everyone).

The window is 60 s in the server; the fast tests swap in a 2-second limiter in-process, the slow test
waits out the real window over HTTP.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import requests

from driehoek import tokens
from driehoek.web.auth import MAX_FAILURES, FailureLimiter

from ..stewards import Steward, make_data_dir, plain_turtle, running
from .conftest import GRAPHS, InProcess, client_from

WINDOW = 2.0


class Clock:
    """The limiter's clock, moved by the test: a guess's scrypt takes 0.05 s on a quiet machine and
    ten times that on a busy one, so real time would let failures leave a short window by luck."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


CLOCK = Clock()


@pytest.fixture
def limited(inproc: InProcess) -> Iterator[InProcess]:
    """The in-process app with a fresh limiter of MAX_FAILURES failures per WINDOW seconds (of CLOCK)."""
    inproc.app.extensions["driehoek.auth_failures"] = FailureLimiter(MAX_FAILURES, WINDOW, clock=CLOCK)
    yield inproc
    inproc.app.extensions["driehoek.auth_failures"] = FailureLimiter()


def _put(env: InProcess, token: str | None, address: str = "127.0.0.1", graph: str = GRAPHS + "tokens") -> int:
    headers = {"Content-Type": "text/turtle", **({"Authorization": f"Bearer {token}"} if token else {})}
    response = env.request("PUT", "/graph-store", query_string={"graph": graph}, data=plain_turtle(str(time.time())),
                           headers=headers, environ_base={"REMOTE_ADDR": address})
    if response.status_code == 429:
        retry = int(response.headers["Retry-After"])
        assert 1 <= retry <= WINDOW + 1, retry
        assert response.get_json()["error"] == "too_many_requests"
    return response.status_code


def _guess(n: int) -> str:
    return f"dh_{n:012x}_{'A' * 43}"


def test_guessing_is_stopped_but_a_valid_token_passes(limited: InProcess) -> None:
    statuses = [_put(limited, _guess(n)) for n in range(MAX_FAILURES + 5)]
    assert statuses == [401] * MAX_FAILURES + [429] * 5
    assert _put(limited, limited.token) in (201, 204)  # a valid token from the same address passes
    assert _put(limited, _guess(98)) == 429  # and does not clear the count
    assert _put(limited, _guess(99), address="192.0.2.7") == 401  # another address is not affected
    CLOCK.advance(WINDOW + 0.5)
    assert _put(limited, _guess(100)) == 401  # the window has passed


def test_a_valid_token_passes_however_many_failures(limited: InProcess) -> None:
    """Ten, twenty, thirty failures from one address: its valid token passes after each ten."""
    for round_ in range(3):
        statuses = [_put(limited, _guess(1000 * round_ + n)) for n in range(MAX_FAILURES + 1)]
        assert statuses[-1] == 429, statuses
        assert _put(limited, limited.token) in (201, 204)


def test_a_missing_token_is_not_a_guess(limited: InProcess) -> None:
    assert [_put(limited, None) for _ in range(3 * MAX_FAILURES)] == [401] * (3 * MAX_FAILURES)
    assert _put(limited, limited.token) in (201, 204)


def test_every_kind_of_bad_token_counts(limited: InProcess) -> None:
    kinds = ["x", "dh_", "dh__", f"dh_{'0' * 12}_", "dh_zz_zz", limited.token[:-1], limited.token + "A",
             limited.token.upper(), limited.token.replace("dh_", "DH_"), "dh_" + "0" * 5000]
    statuses = [_put(limited, kind) for kind in kinds]
    assert statuses[:MAX_FAILURES] == [401] * MAX_FAILURES, statuses
    assert _put(limited, "dh_" + "1" * 12 + "_x") == 429
    assert _put(limited, limited.token) in (201, 204)


def test_parallel_guesses_get_at_most_a_thread_pool_more(limited: InProcess) -> None:
    """Checks and failures race: with T parallel guessers at most MAX_FAILURES + T guesses are tried."""
    threads, per_thread = 8, 6
    statuses: list[int] = []
    lock = threading.Lock()

    def guess(offset: int) -> None:
        for n in range(per_thread):
            status = _put(limited, _guess(1000 + offset * per_thread + n))
            with lock:
                statuses.append(status)

    workers = [threading.Thread(target=guess, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert len(statuses) == threads * per_thread
    assert set(statuses) <= {401, 429}
    assert statuses.count(401) <= MAX_FAILURES + threads, statuses


def test_a_guess_costs_one_scrypt_and_one_constant_time_compare(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Unknown ids, known ids with a wrong secret, and garbage all take the same path: no early
    return tells a guesser which ids exist."""
    store = tokens.TokenStore(tmp_path)
    valid = store.add("steward")
    token_id = valid.split("_")[1]
    hashes, compares = [], []
    real_hash, real_compare = tokens._hash, tokens.hmac.compare_digest
    monkeypatch.setattr(tokens, "_hash", lambda secret, salt: hashes.append(1) or real_hash(secret, salt))
    monkeypatch.setattr(tokens.hmac, "compare_digest", lambda a, b: compares.append(1) or real_compare(a, b))
    for guess in (f"dh_{token_id}_wrong", _guess(5), "garbage", f"dh_{token_id}_{valid.split('_', 2)[2][:-1]}x"):
        hashes.clear()
        compares.clear()
        with pytest.raises(tokens.Unauthorized):
            store.verify(guess)
        assert len(hashes) == 1, guess
        assert len(compares) <= 1 and (len(compares) == 1 or not guess.startswith(f"dh_{token_id}")), guess
    assert store.verify(valid) == "steward"


# -- over HTTP, with the server's own window ------------------------------------------------------

@pytest.fixture(scope="module")
def steward(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Steward]:
    data_dir = tmp_path_factory.mktemp("tokens") / "var"
    token = make_data_dir(data_dir)
    with running(data_dir) as server:
        yield Steward(server, token)


def test_forwarded_headers_do_not_reset_the_count(steward: Steward) -> None:
    """X-Forwarded-For and friends are not trusted (no proxy is configured): the address counted is
    the connection's, so a guesser cannot make up a fresh one per request; and the steward's valid
    token from the guesser's own address still passes."""
    guesser = client_from("127.0.0.11")
    statuses = []
    for n in range(MAX_FAILURES + 3):
        response = guesser.put(steward.url + "/graph-store", params={"graph": GRAPHS + "x"}, data=b"<a:b> <a:c> <a:d> .",
                               timeout=60, headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {_guess(n)}",
                                                    "X-Forwarded-For": f"198.51.100.{n}", "Forwarded": f"for=198.51.100.{n}",
                                                    "X-Real-IP": f"198.51.100.{n}"})
        statuses.append(response.status_code)
    assert statuses == [401] * MAX_FAILURES + [429] * 3
    # the steward on another address is not affected
    assert steward.put(GRAPHS + "tokens-http", plain_turtle("ok")).status_code in (201, 204)
    # nor the steward on the guesser's address
    valid = guesser.put(steward.url + "/graph-store", params={"graph": GRAPHS + "tokens-http"}, timeout=60,
                        data=plain_turtle("same address").encode(),
                        headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {steward.token}"})
    assert valid.status_code in (201, 204), valid.text


@pytest.mark.slow
def test_after_the_real_window_guesses_are_401_again(steward: Steward) -> None:
    guesser = client_from("127.0.0.12")
    headers = {"Content-Type": "text/turtle"}

    def guess(n: int) -> requests.Response:
        return guesser.put(steward.url + "/graph-store", params={"graph": GRAPHS + "x"}, data=b"<a:b> <a:c> <a:d> .",
                           headers={**headers, "Authorization": f"Bearer {_guess(n)}"}, timeout=60)

    for n in range(MAX_FAILURES):
        guess(n)
    blocked = guess(MAX_FAILURES)
    assert blocked.status_code == 429
    valid = {**headers, "Authorization": f"Bearer {steward.token}"}
    meanwhile = guesser.put(steward.url + "/graph-store", params={"graph": GRAPHS + "tokens-window"},
                            data=plain_turtle("a").encode(), headers=valid, timeout=60)
    assert meanwhile.status_code in (201, 204), meanwhile.text
    time.sleep(int(blocked.headers["Retry-After"]) + 1)
    assert guess(MAX_FAILURES + 1).status_code == 401
    assert requests.get(steward.url + "/health", timeout=30).status_code == 200
