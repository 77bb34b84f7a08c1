"""A stand-in for Feder's federation surface, for selfcheck.py.

Shapes follow what Feder will serve: a Service actor at /actor
(preferredUsername `blog`, inbox /actor/inbox, sharedInbox /inbox, key
/actor#main-key), Articles at /posts/<slug>, GETs refused without a Signature
header (authorized-fetch style), inbox POSTs answered 202.  It signs its own
POSTs with draft-cavage rsa-sha256 the way Mastodon does (`Digest: SHA-256=`).
It does not verify signatures: it only records what the peers sent, so the
self-check can see how each peer signs and what it posts.
"""

import base64
import hashlib
import json
import threading
import time
import urllib.error
import urllib.request
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

AS = "https://www.w3.org/ns/activitystreams"
PUBLIC = AS + "#Public"


class MockBlog:
    def __init__(self):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.port = self.server.server_address[1]
        self.origin = f"http://localhost:{self.port}"
        self.actor_id = f"{self.origin}/actor"
        self.key_id = f"{self.actor_id}#main-key"
        self.article_id = f"{self.origin}/posts/hello-fediverse"
        self.requests: list[dict] = []  # every request: method, path, headers, body
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    # -- documents ---------------------------------------------------------------

    def actor(self) -> dict:
        pem = self.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()
        return {
            "@context": [AS, "https://w3id.org/security/v1"],
            "id": self.actor_id,
            "type": "Service",
            "preferredUsername": "blog",
            "name": "A mock blog",
            "inbox": f"{self.actor_id}/inbox",
            "outbox": f"{self.actor_id}/outbox",
            "followers": f"{self.actor_id}/followers",
            "endpoints": {"sharedInbox": f"{self.origin}/inbox"},
            "publicKey": {"id": self.key_id, "owner": self.actor_id, "publicKeyPem": pem},
            "url": self.origin,
        }

    def article(self) -> dict:
        return {
            "@context": AS,
            "id": self.article_id,
            "type": "Article",
            "attributedTo": self.actor_id,
            "name": "Hello, fediverse",
            "summary": "<p>A first post.</p>",
            "content": "<p>A first post, in full.</p>",
            "url": self.article_id,
            "published": "2026-11-01T10:00:00Z",
            "to": [PUBLIC],
            "cc": [f"{self.actor_id}/followers"],
        }

    def _handler(self):
        blog = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_):
                pass

            def _record(self, body: bytes = b""):
                with blog.lock:
                    blog.requests.append({
                        "method": self.command, "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": body,
                    })

            def _send(self, status: int, document: dict | None = None):
                data = json.dumps(document).encode() if document is not None else b""
                self.send_response(status)
                if document is not None:
                    self.send_header("Content-Type", "application/activity+json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self._record()
                if "signature" not in {k.lower() for k in self.headers.keys()}:
                    self._send(401, {"error": "Request not signed"})
                elif self.path == "/actor":
                    self._send(200, blog.actor())
                elif self.path == urlparse(blog.article_id).path:
                    self._send(200, blog.article())
                else:
                    self._send(404, {"error": "not found"})

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                self._record(body)
                if self.path in ("/actor/inbox", "/inbox"):
                    self._send(202)
                else:
                    self._send(404, {"error": "not found"})

        return Handler

    # -- what the peers sent -----------------------------------------------------

    def posts(self, since: int = 0) -> list[dict]:
        with self.lock:
            return [r for r in self.requests[since:] if r["method"] == "POST"]

    def mark(self) -> int:
        with self.lock:
            return len(self.requests)

    def wait_post(self, predicate, since: int, timeout: float = 20) -> dict | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for request in self.posts(since):
                try:
                    activity = json.loads(request["body"])
                except ValueError:
                    continue
                if predicate(activity):
                    return {**request, "activity": activity}
            time.sleep(0.05)
        return None

    # -- sending, signed like Feder (draft-cavage, rsa-sha256) ---------------------

    def deliver(self, inbox: str, activity: dict) -> int:
        body = json.dumps(activity).encode()
        url = urlparse(inbox)
        date = formatdate(usegmt=True)
        digest = "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()
        content_type = "application/activity+json"
        signed = "\n".join([
            f"(request-target): post {url.path}",
            f"host: {url.netloc}",
            f"date: {date}",
            f"digest: {digest}",
            f"content-type: {content_type}",
        ])
        signature = base64.b64encode(
            self.key.sign(signed.encode(), padding.PKCS1v15(), hashes.SHA256())
        ).decode()
        request = urllib.request.Request(inbox, data=body, method="POST", headers={
            "Host": url.netloc, "Date": date, "Digest": digest, "Content-Type": content_type,
            "Signature": f'keyId="{self.key_id}",algorithm="rsa-sha256",'
                         f'headers="(request-target) host date digest content-type",'
                         f'signature="{signature}"',
        })
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def accept(self, inbox: str, follow: dict) -> int:
        """Accept with the Follow's id as a plain string, as Feder may send it."""
        return self.deliver(inbox, {
            "@context": AS,
            "id": f"{self.actor_id}#accepts/{int(time.time() * 1000)}",
            "type": "Accept",
            "actor": self.actor_id,
            "object": follow["id"],
            "to": [follow["actor"]],
        })

    def create_article(self, inbox: str, follower: str) -> int:
        return self.deliver(inbox, {
            "@context": AS,
            "id": f"{self.article_id}#create",
            "type": "Create",
            "actor": self.actor_id,
            "object": self.article(),
            "to": [PUBLIC],
            "cc": [f"{self.actor_id}/followers", follower],
            "published": "2026-11-01T10:00:00Z",
        })
