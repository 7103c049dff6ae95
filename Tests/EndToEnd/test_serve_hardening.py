"""`darkroom serve` facing a hostile page or client: it answers only to its own address (no DNS
rebinding), changes nothing for another origin, and judges an upload by its declared length before
reading any of it."""
import socket, time

import pytest
import requests

from localstack import darkroom_serve


@pytest.fixture(scope="module")
def served():
    with darkroom_serve() as served:
        yield served["base"]


def raw(base, request, read_for=5):
    """`request` (bytes) sent as is; the status line and headers of the answer, and how long it took."""
    host, port = base.split("//")[1].split(":")
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=read_for) as connection:
        connection.sendall(request)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = connection.recv(4096)
            if not chunk:
                break
            answer += chunk
    return answer.decode(errors="replace"), time.monotonic() - started


def test_another_host_name_is_refused(served):
    port = served.rsplit(":", 1)[1]
    rebound = requests.get(served + "/", headers={"Host": f"attacker.example:{port}"}, timeout=10)
    assert rebound.status_code == 421 and rebound.json()["code"] == "wrong_host"
    assert requests.get(served + "/v1/images", headers={"Host": f"attacker.example:{port}"}, timeout=10).status_code == 421
    assert requests.get(served + "/", timeout=10).status_code == 200
    assert requests.get(served.replace("127.0.0.1", "localhost") + "/", headers={"Host": f"localhost:{port}"}, timeout=10).status_code == 200


def test_another_origin_changes_nothing(served):
    body = {"filename": "a.jpg", "contentType": "image/jpeg", "bytes": 1000}
    refused = requests.post(served + "/v1/uploads", json=body, headers={"Origin": "http://attacker.example"}, timeout=10)
    assert refused.status_code == 403 and refused.json()["code"] == "cross_origin"
    assert requests.post(served + "/v1/uploads", json=body, headers={"Origin": served}, timeout=10).status_code == 201
    # Reading is not changing: a GET from elsewhere is answered (CORS keeps its answer from the page).
    assert requests.get(served + "/v1/images", headers={"Origin": "http://attacker.example"}, timeout=10).status_code == 200


def test_an_upload_is_judged_by_its_declared_length_before_it_is_read(served):
    host = served.split("//")[1]
    # 20 GB declared, nothing sent: refused at once, the connection closed.
    answer, took = raw(served, f"POST /uploads HTTP/1.1\r\nHost: {host}\r\nContent-Type: multipart/form-data; boundary=x\r\n"
                               f"Content-Length: 20000000000\r\n\r\n".encode())
    assert answer.startswith("HTTP/1.1 413") and "connection: close" in answer.lower(), answer
    assert took < 3, took
    # No length at all (a chunked body): 411.
    answer, _ = raw(served, f"POST /uploads HTTP/1.1\r\nHost: {host}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n".encode())
    assert answer.startswith("HTTP/1.1 411"), answer
