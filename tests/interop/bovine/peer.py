"""A small bovine-based fediverse account for Feder's interop tests.

Run with the venv that tests/interop/setup.sh creates:
    tests/interop/.cache/venv/bin/python tests/interop/bovine/peer.py --port 0

Protocol (shared with tests/interop/fedify/peer.mjs): one JSON object per line
on stdout (events), commands as JSON lines on stdin, logs on stderr.  See
tests/interop/README.md for the commands and events.

bovine signs with draft-cavage (`(request-target) host date digest
content-type`, digest written as lowercase `sha-256=`) and verifies incoming
signatures with bovine.crypto (draft-cavage and its own RFC 9421 reading).
"""

import argparse
import asyncio
import json
import logging
import socket
import sys
import threading
import time
import uuid
from urllib.parse import urldefrag, urlparse

import aiohttp
from aiohttp import web

import bovine.utils
from bovine.activitystreams import Actor, factories_for_actor_object
from bovine.activitystreams.utils import id_for_object
from bovine.clients.signed_http import SignedHttpClient
from bovine.crypto import build_validate_http_signature_raw, generate_rsa_public_private_key
from bovine.crypto.types import CryptographicIdentifier

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
AS_CONTENT_TYPE = "application/activity+json"
IDENTIFIER = "peer"

log = logging.getLogger("bovine-peer")


def emit(event: dict) -> None:
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


class CommandError(Exception):
    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class Peer:
    def __init__(self, port: int):
        self.port = port
        self.origin = f"http://localhost:{port}"
        self.actor_id = f"{self.origin}/users/{IDENTIFIER}"
        self.key_id = f"{self.actor_id}#main-key"
        self.inbox = f"{self.actor_id}/inbox"
        self.shared_inbox = f"{self.origin}/inbox"
        self.followers_id = f"{self.actor_id}/followers"
        public_pem, private_pem = generate_rsa_public_private_key()
        self.actor = Actor(
            id=self.actor_id,
            type="Person",
            name="bovine interop peer",
            preferred_username=IDENTIFIER,
            summary="A test account run by Feder's interop tests.",
            url=self.actor_id,
            inbox=self.inbox,
            outbox=f"{self.actor_id}/outbox",
            public_key=public_pem,
            public_key_name="main-key",
            # Actor.build() shows followers/following only to the owner.
            properties={
                "endpoints": {"sharedInbox": self.shared_inbox},
                "followers": self.followers_id,
                "following": f"{self.actor_id}/following",
            },
        ).build()
        # Activities get fresh ids; Notes (and the few activities whose ids
        # derive from a Note) get theirs set explicitly.
        self.activity_factory, _ = factories_for_actor_object(
            self.actor, id_generator=lambda: f"{self.origin}/activities/{uuid.uuid4()}"
        )
        _, self.object_factory = factories_for_actor_object(self.actor)
        self.private_pem = private_pem
        self.session: aiohttp.ClientSession | None = None
        self.client: SignedHttpClient | None = None
        self.validate_signature = build_validate_http_signature_raw(self.retrieve_key)
        self.notes: dict[str, dict] = {}  # id -> Note
        self.deleted: set[str] = set()  # note ids answering 410
        self.reply_authors: dict[str, dict] = {}  # reply id -> actor it answers
        self.activities: dict[str, dict] = {}  # path -> activity we sent
        self.followers: dict[str, dict] = {}  # actor id -> actor
        self.last_follow: tuple[dict, dict] | None = None  # (Follow, target actor)
        self.last_like: tuple[dict, dict] | None = None  # (Like, recipient actor)
        self.last_announce: tuple[dict, dict] | None = None
        self.background: set[asyncio.Task] = set()

    # -- outgoing HTTP --------------------------------------------------------

    async def signed_get(self, url: str) -> dict:
        """A draft-cavage signed GET; returns the JSON document."""
        try:
            response = await self.client.get(url)
        except aiohttp.ClientError as error:
            emit({"event": "outgoing", "method": "GET", "url": url, "signature": "cavage",
                  "status": None, "error": repr(error)})
            raise CommandError(f"GET {url} failed: {error!r}") from error
        async with response:
            emit({"event": "outgoing", "method": "GET", "url": url, "signature": "cavage",
                  "status": response.status})
            if response.status != 200:
                raise CommandError(f"GET {url} answered {response.status}", response.status)
            try:
                return json.loads(await response.read())
            except ValueError as error:
                raise CommandError(f"GET {url}: body is not JSON") from error

    async def signed_post(self, url: str, activity: dict) -> int:
        """A draft-cavage signed POST of one activity; returns the status."""
        body = json.dumps(activity)
        try:
            response = await self.client.post(url, body)
        except aiohttp.ClientError as error:
            emit({"event": "outgoing", "method": "POST", "url": url, "signature": "cavage",
                  "status": None, "error": repr(error)})
            raise CommandError(f"POST {url} failed: {error!r}") from error
        async with response:
            text = await response.text(errors="replace")
            emit({"event": "outgoing", "method": "POST", "url": url, "signature": "cavage",
                  "status": response.status})
            if response.status >= 300:
                raise CommandError(
                    f"POST {url} answered {response.status}: {text[:300]}", response.status
                )
            return response.status

    async def fetch_actor(self, url: str) -> dict:
        actor = await self.signed_get(url)
        if not isinstance(actor, dict) or "inbox" not in actor:
            raise CommandError(f"{url} is not an actor with an inbox")
        return actor

    async def author_of(self, obj: dict) -> dict:
        attributed = obj.get("attributedTo")
        if isinstance(attributed, list):
            attributed = attributed[0] if attributed else None
        author_id = id_for_object(attributed) or id_for_object(obj.get("actor"))
        if author_id is None:
            raise CommandError(f"{obj.get('id')} has no attributedTo")
        return await self.fetch_actor(author_id)

    @staticmethod
    def inbox_of(actor: dict, shared: bool) -> str:
        if shared:
            endpoints = actor.get("endpoints")
            if isinstance(endpoints, dict) and endpoints.get("sharedInbox"):
                return endpoints["sharedInbox"]
            if actor.get("sharedInbox"):
                return actor["sharedInbox"]
        return id_for_object(actor["inbox"])

    async def deliver(self, actor: dict, activity: dict, shared: bool) -> int:
        self.activities[urlparse(activity["id"]).path] = activity
        return await self.signed_post(self.inbox_of(actor, shared), activity)

    # -- signature verification (bovine.crypto) -------------------------------

    async def retrieve_key(self, key_id: str) -> CryptographicIdentifier | None:
        """Fetches the keyId's document (the actor, usually) with a signed GET
        and returns the RSA key it names."""
        document_url, _ = urldefrag(key_id)
        try:
            document = await self.signed_get(document_url)
        except CommandError as error:
            log.warning("key fetch failed: %s", error)
            return None
        candidates = []
        if document.get("id") == key_id and "publicKeyPem" in document:
            candidates.append(document)
        public_keys = document.get("publicKey", [])
        candidates += public_keys if isinstance(public_keys, list) else [public_keys]
        for key in candidates:
            if isinstance(key, dict) and key.get("id") == key_id and key.get("publicKeyPem"):
                owner = id_for_object(key.get("owner")) or document.get("id")
                if key is not document and owner != document.get("id"):
                    log.warning("key %s is owned by %s, not %s", key_id, owner, document.get("id"))
                    return None
                return CryptographicIdentifier.from_pem(key["publicKeyPem"], owner)
        for method in document.get("assertionMethod", []) or []:
            if isinstance(method, dict) and method.get("id") == key_id:
                return CryptographicIdentifier.from_multikey(method)
        log.warning("no key %s in %s", key_id, document_url)
        return None

    # -- HTTP server -----------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/.well-known/webfinger", self.webfinger)
        app.router.add_get(f"/users/{IDENTIFIER}", self.get_actor)
        app.router.add_get(f"/users/{IDENTIFIER}/followers", self.get_followers)
        app.router.add_get(f"/users/{IDENTIFIER}/following", self.get_empty_collection)
        app.router.add_get(f"/users/{IDENTIFIER}/outbox", self.get_empty_collection)
        app.router.add_get("/notes/{id}", self.get_note)
        app.router.add_get("/activities/{id}", self.get_activity)
        app.router.add_post(f"/users/{IDENTIFIER}/inbox", self.post_inbox)
        app.router.add_post("/inbox", self.post_inbox)
        return app

    @staticmethod
    def as_response(document: dict, status: int = 200) -> web.Response:
        return web.Response(
            status=status, body=json.dumps(document), content_type=AS_CONTENT_TYPE
        )

    async def webfinger(self, request: web.Request) -> web.Response:
        resource = request.query.get("resource", "")
        if resource not in (f"acct:{IDENTIFIER}@localhost:{self.port}", self.actor_id):
            return web.Response(status=404, text="not found")
        jrd = bovine.utils.webfinger_response_json(
            f"acct:{IDENTIFIER}@localhost:{self.port}", self.actor_id
        )
        return web.Response(body=json.dumps(jrd), content_type="application/jrd+json")

    async def get_actor(self, _request: web.Request) -> web.Response:
        return self.as_response(self.actor)

    def collection(self, id_: str, items: list) -> dict:
        return {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": id_,
            "type": "OrderedCollection",
            "totalItems": len(items),
            "orderedItems": items,
        }

    async def get_followers(self, request: web.Request) -> web.Response:
        return self.as_response(self.collection(self.followers_id, list(self.followers)))

    async def get_empty_collection(self, request: web.Request) -> web.Response:
        return self.as_response(self.collection(f"{self.origin}{request.path}", []))

    async def get_note(self, request: web.Request) -> web.Response:
        note_id = f"{self.origin}{request.path}"
        if note_id in self.deleted:
            return self.as_response(
                {"@context": "https://www.w3.org/ns/activitystreams", "id": note_id,
                 "type": "Tombstone"},
                status=410,
            )
        if note_id not in self.notes:
            return web.Response(status=404, text="not found")
        return self.as_response(self.notes[note_id])

    async def get_activity(self, request: web.Request) -> web.Response:
        activity = self.activities.get(request.path)
        if activity is None:
            return web.Response(status=404, text="not found")
        return self.as_response(activity)

    async def post_inbox(self, request: web.Request) -> web.Response:
        body = await request.read()

        async def read_body() -> bytes:
            return body

        def reject(reason: str, status: int = 401) -> web.Response:
            emit({"event": "rejected", "status": status, "path": request.path, "reason": reason})
            return web.Response(status=status, text=reason)

        if "signature" not in request.headers:
            return reject("no Signature header")
        # bovine.crypto checks the digest (Digest or Content-Digest), the date
        # window and the signature, fetching the key from the keyId.
        url = f"{self.origin}{request.path_qs}"
        try:
            signer = await self.validate_signature(
                request.method, url, request.headers, read_body
            )
        except Exception as error:  # bovine raises on headers it cannot parse
            log.warning("signature check raised: %r", error)
            signer = None
        if signer is None:
            scheme = "rfc9421" if "signature-input" in request.headers else "cavage"
            return reject(f"{scheme} signature not verified by bovine.crypto")
        try:
            activity = json.loads(body)
        except ValueError:
            return reject("body is not JSON", status=400)
        if not isinstance(activity, dict):
            return reject("body is not a JSON object", status=400)
        actor = id_for_object(activity.get("actor"))
        if actor != signer:
            return reject(f"signer {signer} is not the activity's actor {actor}")

        obj = activity.get("object")
        emit({
            "event": "received",
            "type": activity.get("type"),
            "object_type": obj.get("type") if isinstance(obj, dict) else None,
            # A Flag names several objects (the account, then its posts): their ids.
            "object_id": [id_for_object(o) for o in obj] if isinstance(obj, list)
            else id_for_object(obj),
            "actor": actor,
            "signature_verified": True,
            "signature": "rfc9421" if "signature-input" in request.headers else "cavage",
            "activity": activity,
        })
        self.handle_side_effects(activity, actor)
        return web.Response(status=202)

    def handle_side_effects(self, activity: dict, actor: str) -> None:
        kind = activity.get("type")
        obj = activity.get("object")
        if kind == "Follow" and id_for_object(obj) == self.actor_id:
            self.spawn(self.accept_follow(activity, actor))
        elif kind == "Accept":
            follow_id = id_for_object(obj)
            if follow_id is not None:
                emit({"event": "accepted", "follow": follow_id})
        elif kind == "Undo" and isinstance(obj, dict) and obj.get("type") == "Follow":
            self.followers.pop(actor, None)

    def spawn(self, coroutine) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    async def accept_follow(self, follow: dict, follower_id: str) -> None:
        try:
            follower = await self.fetch_actor(follower_id)
            self.followers[follower_id] = follower
            accept = self.activity_factory.accept(follow, include_activity=True).build()
            status = await self.deliver(follower, accept, shared=False)
            emit({"event": "sent", "type": "Accept", "to": follower_id, "status": status})
        except Exception as error:
            log.warning("accepting %s failed: %r", follow.get("id"), error)

    # -- commands ------------------------------------------------------------------

    def require(self, cmd: dict, field: str) -> str:
        value = cmd.get(field)
        if not isinstance(value, str) or value == "":
            raise CommandError(f'missing "{field}"')
        return value

    @staticmethod
    def mention_name(actor: dict) -> str:
        username = actor.get("preferredUsername")
        host = urlparse(actor["id"]).netloc
        return f"@{username}@{host}" if username else actor["id"]

    async def cmd_follow(self, cmd: dict) -> dict:
        target = await self.fetch_actor(self.require(cmd, "target"))
        follow = self.activity_factory.follow(target["id"]).build()
        self.last_follow = (follow, target)
        status = await self.deliver(target, follow, shared=False)
        return {"follow": follow["id"], "status": status}

    async def cmd_undo_follow(self, _cmd: dict) -> dict:
        if self.last_follow is None:
            raise CommandError("no follow to undo")
        follow, target = self.last_follow
        undo = self.activity_factory.undo(follow, include_activity=True).build()
        status = await self.deliver(target, undo, shared=False)
        self.last_follow = None
        return {"follow": follow["id"], "undo": undo["id"], "status": status}

    async def cmd_reply(self, cmd: dict) -> dict:
        article = await self.signed_get(self.require(cmd, "in_reply_to"))
        author = await self.author_of(article)
        note_id = f"{self.origin}/notes/{uuid.uuid4()}"
        note = self.object_factory.note(
            id=note_id,
            content=self.require(cmd, "content"),
            in_reply_to=article["id"],
            url=note_id,
            to={PUBLIC},
            cc={self.followers_id, author["id"]},
            tag=[{"type": "Mention", "href": author["id"], "name": self.mention_name(author)}],
        ).build()
        self.notes[note_id] = note
        self.reply_authors[note_id] = author
        create = {**self.activity_factory.create(note).build(), "id": f"{note_id}/activity"}
        status = await self.deliver(author, create, shared=True)
        return {"note": note_id, "activity": create["id"], "status": status}

    async def cmd_post(self, cmd: dict) -> dict:
        """A public top-level Note, delivered to the followers (used by the
        self-check so each peer has something the other can reply to)."""
        note_id = f"{self.origin}/notes/{uuid.uuid4()}"
        note = self.object_factory.note(
            id=note_id, content=self.require(cmd, "content"), url=note_id
        ).as_public().build()
        self.notes[note_id] = note
        create = {**self.activity_factory.create(note).build(), "id": f"{note_id}/activity"}
        status, delivered = await self.send_to_audience(note, create)
        return {"note": note_id, "activity": create["id"], "status": status,
                "delivered": delivered}

    async def cmd_flag(self, cmd: dict) -> dict:
        """A report (Flag) of `objects` (an account, posts) with `content` as its
        reason, to the inbox of the actor `target`, as Mastodon sends one."""
        target = await self.fetch_actor(self.require(cmd, "target"))
        objects = cmd.get("objects")
        if not isinstance(objects, list) or not objects:
            raise CommandError('missing "objects"')
        flag = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{self.origin}/activities/{uuid.uuid4()}",
            "type": "Flag",
            "actor": self.actor_id,
            "to": [target["id"]],
            "object": objects,
            "content": self.require(cmd, "content"),
        }
        self.activities[urlparse(flag["id"]).path] = flag
        status = await self.deliver(target, flag, shared=False)
        return {"activity": flag["id"], "status": status}

    async def send_to_audience(self, note: dict, activity: dict) -> tuple[int | None, int]:
        """A reply goes to the author of the post it answers (shared inbox
        preferred), a top-level post to the followers' (shared) inboxes."""
        if note.get("inReplyTo"):
            author = self.reply_authors.get(note["id"]) or await self.author_of(
                await self.signed_get(note["inReplyTo"])
            )
            return await self.deliver(author, activity, shared=True), 1
        inboxes = {self.inbox_of(actor, True) for actor in self.followers.values()}
        self.activities[urlparse(activity["id"]).path] = activity
        status = None
        for inbox in sorted(inboxes):
            status = await self.signed_post(inbox, activity)
        return status, len(inboxes)

    def known_note(self, cmd: dict) -> tuple[str, dict]:
        note_id = self.require(cmd, "note")
        if note_id not in self.notes:
            raise CommandError(f"unknown note {note_id}")
        return note_id, self.notes[note_id]

    async def cmd_update_reply(self, cmd: dict) -> dict:
        note_id, old = self.known_note(cmd)
        note = {**old, "content": self.require(cmd, "content"),
                "updated": bovine.utils.now_isoformat()}
        self.notes[note_id] = note
        update = {
            **self.activity_factory.update(note).build(),
            "id": f"{note_id}#updates/{int(time.time() * 1000)}",
        }
        status, delivered = await self.send_to_audience(note, update)
        return {"note": note_id, "activity": update["id"], "status": status,
                "delivered": delivered}

    async def cmd_delete_reply(self, cmd: dict) -> dict:
        note_id, note = self.known_note(cmd)
        del self.notes[note_id]
        self.deleted.add(note_id)
        delete = {
            **self.activity_factory.delete(
                {"id": note_id, "type": "Tombstone"},
                to=set(note.get("to", [])),
                cc=set(note.get("cc", [])),
            ).build(),
            "id": f"{note_id}#delete",
        }
        status, delivered = await self.send_to_audience(note, delete)
        return {"note": note_id, "activity": delete["id"], "status": status,
                "delivered": delivered}

    async def cmd_like(self, cmd: dict) -> dict:
        obj = await self.signed_get(self.require(cmd, "object"))
        author = await self.author_of(obj)
        like = self.activity_factory.like(obj["id"], to={author["id"]}).build()
        self.last_like = (like, author)
        status = await self.deliver(author, like, shared=False)
        return {"activity": like["id"], "status": status}

    async def cmd_announce(self, cmd: dict) -> dict:
        obj = await self.signed_get(self.require(cmd, "object"))
        author = await self.author_of(obj)
        announce = self.activity_factory.announce(
            obj["id"], to={PUBLIC}, cc={author["id"], self.followers_id}
        ).build()
        self.last_announce = (announce, author)
        status = await self.deliver(author, announce, shared=True)
        return {"activity": announce["id"], "status": status}

    async def cmd_undo_like(self, _cmd: dict) -> dict:
        if self.last_like is None:
            raise CommandError("no like to undo")
        like, author = self.last_like
        undo = self.activity_factory.undo(like, include_activity=True).build()
        status = await self.deliver(author, undo, shared=False)
        self.last_like = None
        return {"activity": undo["id"], "status": status}

    async def cmd_undo_announce(self, _cmd: dict) -> dict:
        if self.last_announce is None:
            raise CommandError("no announce to undo")
        announce, author = self.last_announce
        undo = self.activity_factory.undo(announce, include_activity=True).build()
        status = await self.deliver(author, undo, shared=True)
        self.last_announce = None
        return {"activity": undo["id"], "status": status}

    async def run_command(self, line: str) -> bool:
        """Runs one command line; returns False when the peer should stop."""
        try:
            cmd = json.loads(line)
        except ValueError:
            emit({"event": "done", "cmd": None, "ok": False, "error": "stdin line is not JSON"})
            return True
        name = cmd.get("cmd") if isinstance(cmd, dict) else None
        if name == "quit":
            emit({"event": "done", "cmd": "quit", "ok": True})
            return False
        handler = getattr(self, f"cmd_{name}", None) if isinstance(name, str) else None
        if handler is None:
            emit({"event": "done", "cmd": name, "ok": False,
                  "error": f"unknown command {json.dumps(name)}"})
            return True
        try:
            result = await handler(cmd)
            emit({"event": "done", "cmd": name, "ok": True, **result})
        except CommandError as error:
            emit({"event": "done", "cmd": name, "ok": False, "error": str(error),
                  "status": error.status})
        except Exception as error:
            log.exception("%s failed", name)
            emit({"event": "done", "cmd": name, "ok": False, "error": repr(error),
                  "status": None})
        return True


def stdin_lines(loop: asyncio.AbstractEventLoop) -> asyncio.Queue:
    """Reads stdin in a thread (works for pipes, files and terminals alike);
    None marks the end of input."""
    queue: asyncio.Queue = asyncio.Queue()

    def reader():
        for line in sys.stdin:
            loop.call_soon_threadsafe(queue.put_nowait, line)
        loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=reader, daemon=True).start()
    return queue


async def main(port: int) -> None:
    # Bind first so port 0 resolves to a real port before the actor is built.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    port = sock.getsockname()[1]

    peer = Peer(port)
    runner = web.AppRunner(peer.app(), access_log=None)
    await runner.setup()
    await web.SockSite(runner, sock).start()

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        peer.session = session
        peer.client = SignedHttpClient(session, peer.key_id, peer.private_pem)
        log.info("listening on 127.0.0.1:%d as %s", port, peer.actor_id)
        emit({"event": "ready", "actor": peer.actor_id, "port": port})

        lines = stdin_lines(asyncio.get_running_loop())
        while True:
            line = await lines.get()
            if line is None or (line.strip() and not await peer.run_command(line)):
                break
        for task in list(peer.background):
            task.cancel()
    await runner.cleanup()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="bovine-based ActivityPub test peer")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free)")
    return parser.parse_args()


if __name__ == "__main__":
    args = parse_args()
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.INFO,
        format="[bovine-peer] %(levelname)s %(name)s: %(message)s",
    )
    try:
        asyncio.run(main(args.port))
    except KeyboardInterrupt:
        pass
