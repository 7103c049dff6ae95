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


def test_an_upload_streams_to_disk_and_one_past_its_form_leaves_nothing(tmp_path):
    """A form's file goes to disk as it arrives (the body is never held whole: a 9 MB photo in
    pieces); a file bigger than the form allows is refused as S3 refuses it, and no part of it
    is left in the uploads folder."""
    import glob, hashlib, io, os
    from PIL import Image
    photo = io.BytesIO()
    Image.effect_noise((2600, 2600), 64).convert("RGB").save(photo, "JPEG", quality=98)
    data = photo.getvalue()
    assert len(data) > 4_000_000
    with darkroom_serve("--max-bytes", str(len(data) + 1000)) as served:
        base, folder = served["base"], served["folder"]
        uploads = os.path.join(folder, ".darkroom", "uploads")
        asked = requests.post(served["api"] + "/uploads", json={"filename": "n.jpg", "contentType": "image/jpeg", "bytes": len(data)},
                              timeout=10).json()
        posted = requests.post(asked["post"]["url"], data=asked["post"]["fields"], files={"file": ("n.jpg", data, "image/jpeg")}, timeout=60)
        assert posted.status_code == 204, posted.text
        deadline = time.time() + 120
        while time.time() < deadline:
            status = requests.get(served["api"] + f"/uploads/{asked['uploadId']}", allow_redirects=False, timeout=10)
            if status.status_code == 303:
                break
            time.sleep(0.5)
        image = requests.get(base + status.headers["Location"], timeout=10).json()
        assert image["status"] == "COMPLETED" and image["metadata"]["sha256"] == hashlib.sha256(data).hexdigest()

        # A form for 1,000 bytes, and 5,000 sent (within what serve reads at all).
        small = requests.post(served["api"] + "/uploads", json={"filename": "s.jpg", "contentType": "image/jpeg", "bytes": 1000},
                              timeout=10).json()
        over = requests.post(small["post"]["url"], data=small["post"]["fields"], files={"file": ("s.jpg", data[:5000], "image/jpeg")},
                             timeout=30)
        assert over.status_code == 400 and over.json()["code"] == "EntityTooLarge", over.text
        assert not [p for p in glob.glob(os.path.join(uploads, "**", "*"), recursive=True) if ".tmp-" in p]
        assert not os.path.exists(os.path.join(uploads, small["post"]["fields"]["key"]))


def test_a_slow_or_greedy_client_cannot_hold_the_server(served):
    """The guard in front of the server: a head past 16 KB is 431, a head not sent whole within
    10 s is 408, and past 64 connections at once a new one is 503, while the server answers
    everyone else."""
    host = served.split("//")[1]
    answer, _ = raw(served, f"GET / HTTP/1.1\r\nHost: {host}\r\nX-Padding: {'a' * 20000}\r\n\r\n".encode())
    assert answer.startswith("HTTP/1.1 431"), answer[:200]

    address = host.split(":")
    slow = socket.create_connection((address[0], int(address[1])), timeout=20)
    slow.sendall(f"GET / HTTP/1.1\r\nHost: {host}\r\n".encode())  # and never the blank line
    started = time.monotonic()
    assert requests.get(served + "/", timeout=10).status_code == 200  # meanwhile, others are served
    answer = slow.recv(4096).decode(errors="replace")
    assert answer.startswith("HTTP/1.1 408") and 8 < time.monotonic() - started < 15, answer[:200]
    slow.close()

    held = [socket.create_connection((address[0], int(address[1])), timeout=20) for _ in range(64)]
    try:
        time.sleep(0.5)
        answer, _ = raw(served, f"GET / HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        assert answer.startswith("HTTP/1.1 503"), answer[:200]
    finally:
        for connection in held:
            connection.close()
    time.sleep(0.5)
    assert requests.get(served + "/", timeout=10).status_code == 200
