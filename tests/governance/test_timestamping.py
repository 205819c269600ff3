"""Tree heads get RFC 3161 timestamps from a configured authority; none configured is fine too."""

from __future__ import annotations

import base64
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from django.db import DatabaseError, connection, transaction
from django.test import Client
from rfc3161_client import VerifierBuilder, decode_timestamp_response

from governance import services
from governance.models import TreeHead
from tests.governance.voting_fixtures import make_council5

pytestmark = pytest.mark.django_db

TSA_CONFIG = """
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = Concordia test timestamp authority
[ tsa_ext ]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = critical,timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
serial = {serial}
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def authority(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """A real RFC 3161 authority: `openssl ts -reply` behind a small HTTP server on loopback."""
    d = tmp_path_factory.mktemp("tsa")
    (d / "tsa.cnf").write_text(TSA_CONFIG.format(serial=d / "serial"))
    (d / "serial").write_text("01\n")
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
        "-days", "2", "-subj", "/CN=Concordia test TSA root",
        "-addext", "basicConstraints=critical,CA:true", "-addext", "keyUsage=critical,keyCertSign",
        cwd=d,
    )  # fmt: skip
    _openssl(
        "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "tsa.key", "-out", "tsa.csr",
        "-config", "tsa.cnf", cwd=d,
    )  # fmt: skip
    _openssl(
        "x509", "-req", "-in", "tsa.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "tsa.pem", "-days", "2", "-extfile", "tsa.cnf", "-extensions", "tsa_ext", cwd=d,
    )  # fmt: skip

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            query = self.rfile.read(int(self.headers["Content-Length"]))
            reply = subprocess.run(
                ["openssl", "ts", "-reply", "-config", "tsa.cnf", "-queryfile", "/dev/stdin",
                 "-inkey", "tsa.key", "-signer", "tsa.pem", "-out", "/dev/stdout"],
                cwd=d, input=query, capture_output=True, check=True,
            ).stdout  # fmt: skip
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/tsa", d
    server.shutdown()


def _close_a_vote(capture) -> TreeHead:
    c5 = make_council5()
    motion = c5.open()
    c5.vote(motion, "DE", "yes")
    with capture(execute=True):
        services.motion_close(actor=c5.sec, motion=c5.expire(motion))
    return TreeHead.objects.get()


def test_a_tree_head_is_timestamped_by_the_authority(
    authority, settings, django_capture_on_commit_callbacks
):
    """After a close, the tree head carries a token the authority's root certificate verifies."""
    # given an authority configured
    url, folder = authority
    settings.DECISION_LOG_TSA_URL = url
    # when a vote closes
    head = _close_a_vote(django_capture_on_commit_callbacks)
    # then its tree head holds the authority's response, which verifies over the signed bytes
    assert head.timestamp_authority == url
    response = decode_timestamp_response(bytes(head.timestamp_token))
    root = x509.load_pem_x509_certificate((folder / "ca.pem").read_bytes())
    signer = x509.load_pem_x509_certificate((folder / "tsa.pem").read_bytes())
    verifier = VerifierBuilder().add_root_certificate(root).tsa_certificate(signer).build()
    assert verifier.verify_message(response, head.body.encode())
    # and the public log serves it beside the tree head
    served = Client().get("/api/v1/public/log/").json()
    assert base64.b64decode(served["rfc3161_response"]) == bytes(head.timestamp_token)
    # and once set, the token cannot be replaced
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cur,
    ):
        cur.execute("UPDATE governance_treehead SET timestamp_token = 'x'::bytea")


def test_an_unreachable_authority_does_not_stop_a_close(
    settings, django_capture_on_commit_callbacks
):
    """With the authority down the vote still closes and is signed; the head simply has no token."""
    settings.DECISION_LOG_TSA_URL = "http://127.0.0.1:9/nothing-listens-here"
    head = _close_a_vote(django_capture_on_commit_callbacks)
    assert head.timestamp_token is None
    assert head.tree_size == 1


def test_no_authority_configured_is_fine(settings, django_capture_on_commit_callbacks):
    """The default: no timestamp authority, no token, nothing asked of the network."""
    settings.DECISION_LOG_TSA_URL = ""
    head = _close_a_vote(django_capture_on_commit_callbacks)
    assert head.timestamp_token is None
    assert Client().get("/api/v1/public/log/").json()["rfc3161_response"] is None
