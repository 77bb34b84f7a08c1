// A small Fedify-based fediverse account for Feder's interop tests.
//
// Run with Node >= 22 (tests/interop/setup.sh installs one):
//   node tests/interop/fedify/peer.mjs --port 0
//
// Protocol (shared with tests/interop/bovine/peer.py): one JSON object per line
// on stdout (events), commands as JSON lines on stdin, logs on stderr.
// See tests/interop/README.md for the full list of commands and events.

import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import http from "node:http";
import readline from "node:readline";

// stdout carries only protocol lines: send any stray console output to stderr.
console.log = console.error;
console.info = console.error;
console.debug = console.error;

function emit(event) {
  process.stdout.write(JSON.stringify(event) + "\n");
}

function log(...args) {
  process.stderr.write(`[fedify-peer] ${args.join(" ")}\n`);
}

// ---------------------------------------------------------------------------
// Outgoing request log.  Fedify calls the global fetch for every request it
// makes (signed POSTs, signed and unsigned GETs), resolving the global at call
// time, so wrapping it here observes each attempt, including both knocks of
// Fedify's RFC 9421 -> draft-cavage double-knocking.
// ---------------------------------------------------------------------------

const commandScope = new AsyncLocalStorage();
const originalFetch = globalThis.fetch;

function signatureKind(headers) {
  if (headers.has("signature-input")) return "rfc9421";
  if (headers.has("signature")) return "cavage";
  return "none";
}

// The key a request says it is signed with (`keyid` of RFC 9421's Signature-Input,
// `keyId` of draft-cavage's Signature); Fedify checked it before a listener runs.
function signatureKeyId(headers) {
  const header = headers.get("signature-input") ?? headers.get("signature") ?? "";
  return /keyid="([^"]*)"/i.exec(header)?.[1] ?? null;
}

globalThis.fetch = async function observedFetch(input, init) {
  const isRequest = input instanceof Request;
  const url = isRequest ? input.url : String(input);
  const method = (init?.method ?? (isRequest ? input.method : "GET")).toUpperCase();
  const headers = new Headers(init?.headers ?? (isRequest ? input.headers : undefined));
  const entry = { event: "outgoing", method, url, signature: signatureKind(headers) };
  try {
    const response = await originalFetch(input, init);
    entry.status = response.status;
    emit(entry);
    commandScope.getStore()?.push(entry);
    return response;
  } catch (error) {
    entry.status = null;
    entry.error = String(error?.cause ?? error);
    emit(entry);
    commandScope.getStore()?.push(entry);
    throw error;
  }
};

// Fedify and its vocabulary are imported only after fetch is wrapped.
const { configure, getStreamSink } = await import("@logtape/logtape");
const { Writable } = await import("node:stream");
const { Temporal } = await import("@js-temporal/polyfill");
const {
  createFederation,
  generateCryptoKeyPair,
  MemoryKvStore,
  SendActivityError,
} = await import("@fedify/fedify");
const vocab = await import("@fedify/vocab");
const {
  Accept,
  Activity,
  Announce,
  Create,
  Delete,
  Endpoints,
  Follow,
  isActor,
  Like,
  Mention,
  Note,
  Person,
  PUBLIC_COLLECTION,
  Tombstone,
  Undo,
  Update,
} = vocab;

// ---------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------

function parseArgs(argv) {
  let port = 0;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--port" && i + 1 < argv.length) port = Number(argv[++i]);
    else if (argv[i].startsWith("--port=")) port = Number(argv[i].slice(7));
    else {
      process.stderr.write(`usage: peer.mjs [--port PORT]\n`);
      process.exit(2);
    }
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`invalid port: ${port}\n`);
    process.exit(2);
  }
  return { port };
}

const { port: requestedPort } = parseArgs(process.argv.slice(2));

await configure({
  contextLocalStorage: new AsyncLocalStorage(),
  sinks: { stderr: getStreamSink(Writable.toWeb(process.stderr)) },
  loggers: [
    { category: "fedify", sinks: ["stderr"], lowestLevel: process.env.PEER_LOG_LEVEL ?? "warning" },
    { category: ["logtape", "meta"], sinks: ["stderr"], lowestLevel: "warning" },
  ],
});

// ---------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------

const IDENTIFIER = "peer";
const keyPairs = [
  await generateCryptoKeyPair("RSASSA-PKCS1-v1_5"),
  await generateCryptoKeyPair("Ed25519"),
];
const notes = new Map(); // id -> Note (vocab object)
const deletedNotes = new Set(); // ids whose URL answers 410
const replyAuthors = new Map(); // reply id -> Actor it answers (even once that post is gone)
const sentActivities = new Map(); // path -> JSON-LD, dereferenceable
const followers = new Map(); // actor id -> Actor
let lastFollow = null; // { follow: Follow, target: Actor }
let lastLike = null; // { like: Like, recipient: Actor }
let lastAnnounce = null; // { announce: Announce, recipient: Actor }

// ---------------------------------------------------------------------------
// HTTP server (node:http <-> Fetch API adapter around federation.fetch)
// ---------------------------------------------------------------------------

const server = http.createServer((req, res) => {
  handleNodeRequest(req, res).catch((error) => {
    log("request handler failed:", error?.stack ?? String(error));
    if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
    res.end("internal error");
  });
});
await new Promise((resolve, reject) => {
  server.once("error", reject);
  server.listen(requestedPort, "127.0.0.1", resolve);
});
const PORT = server.address().port;
const ORIGIN = `http://localhost:${PORT}`;

const federation = createFederation({
  kv: new MemoryKvStore(),
  allowPrivateAddress: true,
  origin: ORIGIN,
  // No queue: sendActivity() delivers in-process and resolves after the
  // remote inbox answered, so "done" is printed after the delivery.
});

async function handleNodeRequest(req, res) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const body = Buffer.concat(chunks);
  // Keep the Host the client used: signatures cover it (@authority / host).
  const url = new URL(req.url, `http://${req.headers.host ?? `localhost:${PORT}`}`);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value != null) headers.set(name, value);
  }
  const request = new Request(url, {
    method: req.method,
    headers,
    body: req.method === "GET" || req.method === "HEAD" ? undefined : body,
  });
  const response = await route(request, url, body);
  const outHeaders = {};
  response.headers.forEach((value, name) => {
    outHeaders[name] = value;
  });
  res.writeHead(response.status, outHeaders);
  res.end(Buffer.from(await response.arrayBuffer()));
}

const isInboxPath = (path) => path === "/inbox" || path === `/users/${IDENTIFIER}/inbox`;

async function route(request, url, body) {
  const path = url.pathname;
  if (request.method === "GET" && path.startsWith("/notes/")) {
    const id = `${ORIGIN}${path}`;
    if (deletedNotes.has(id)) {
      return jsonResponse(
        {
          "@context": "https://www.w3.org/ns/activitystreams",
          id,
          type: "Tombstone",
        },
        410,
      );
    }
  }
  if (request.method === "GET" && sentActivities.has(path)) {
    return jsonResponse(sentActivities.get(path), 200);
  }
  const contextData = {
    rawBody: body,
    rejectReason: null,
    signature: signatureKind(request.headers),
    keyId: signatureKeyId(request.headers),
  };
  const response = await federation.fetch(request, {
    contextData,
    onNotFound: () => new Response("Not found", { status: 404, headers: { "content-type": "text/plain" } }),
    onNotAcceptable: () =>
      new Response("Not acceptable", { status: 406, headers: { "content-type": "text/plain" } }),
  });
  // 401: signature missing, invalid, or not the actor's; 400: unparsable JSON(-LD).
  if (request.method === "POST" && isInboxPath(path) && response.status >= 400) {
    const text = await response.clone().text();
    emit({
      event: "rejected",
      status: response.status,
      path,
      reason: contextData.rejectReason ?? text.trim(),
    });
  }
  return response;
}

function jsonResponse(json, status) {
  return new Response(JSON.stringify(json), {
    status,
    headers: { "content-type": "application/activity+json" },
  });
}

// ---------------------------------------------------------------------------
// Federation: actor, keys, notes, followers, inbox
// ---------------------------------------------------------------------------

federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    if (identifier !== IDENTIFIER) return null;
    const keys = await ctx.getActorKeyPairs(identifier);
    return new Person({
      id: ctx.getActorUri(identifier),
      preferredUsername: IDENTIFIER,
      name: "Fedify interop peer",
      summary: "A test account run by Feder's interop tests.",
      url: ctx.getActorUri(identifier),
      inbox: ctx.getInboxUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      followers: ctx.getFollowersUri(identifier),
      publicKey: keys[0].cryptographicKey,
      assertionMethods: keys.map((key) => key.multikey),
    });
  })
  .setKeyPairsDispatcher(async (_ctx, identifier) => (identifier === IDENTIFIER ? keyPairs : []))
  .mapHandle((_ctx, username) => (username === IDENTIFIER ? IDENTIFIER : null));

federation.setFollowersDispatcher("/users/{identifier}/followers", async (_ctx, identifier) => {
  if (identifier !== IDENTIFIER) return null;
  return { items: [...followers.values()] };
});

federation.setObjectDispatcher(Note, "/notes/{id}", async (ctx, values) => {
  const id = ctx.getObjectUri(Note, values).href;
  return notes.get(id) ?? null;
});

function rawActivity(ctx) {
  try {
    return JSON.parse(ctx.data.rawBody.toString("utf8"));
  } catch {
    return null;
  }
}

function idOf(value) {
  if (typeof value === "string") return value;
  if (value && typeof value === "object" && typeof value.id === "string") return value.id;
  return null;
}

function reportReceived(ctx, activity) {
  const json = rawActivity(ctx) ?? {};
  const object = json.object;
  emit({
    event: "received",
    type: json.type ?? null,
    object_type: object && typeof object === "object" && !Array.isArray(object) ? (object.type ?? null) : null,
    object_id: idOf(object),
    actor: idOf(json.actor) ?? activity.actorId?.href ?? null,
    // Fedify hands a listener only activities it authenticated (HTTP
    // signature, or an LD signature / integrity proof when the JSON has one).
    signature_verified: true,
    signature: ctx.data.signature,
    key_id: ctx.data.keyId,
    activity: json,
  });
  return json;
}

federation
  .setInboxListeners(`/users/{identifier}/inbox`, "/inbox")
  .setSharedKeyDispatcher(() => ({ identifier: IDENTIFIER }))
  .onUnverifiedActivity((ctx, _activity, reason) => {
    ctx.data.rejectReason = `signature not verified: ${reason.type}${reason.keyId ? ` (keyId ${reason.keyId.href})` : ""}`;
    return undefined; // Fedify answers 401
  })
  .on(Follow, async (ctx, follow) => {
    reportReceived(ctx, follow);
    if (follow.objectId?.href !== ctx.getActorUri(IDENTIFIER).href) return;
    // Accept after the inbox answered, like a real server would; in a scope of its own, so
    // the "sent" event can report the status the follower's inbox answered.
    setTimeout(
      () => commandScope.run([], () => acceptFollow(follow)).catch((e) => log("accept failed:", e?.stack ?? e)),
      0,
    );
  })
  .on(Accept, async (ctx, accept) => {
    const json = reportReceived(ctx, accept);
    const followId = idOf(json.object);
    if (followId != null) emit({ event: "accepted", follow: followId });
  })
  .on(Undo, async (ctx, undo) => {
    const json = reportReceived(ctx, undo);
    if (json.object && typeof json.object === "object" && json.object.type === "Follow") {
      followers.delete(idOf(json.actor));
    }
  })
  .on(Activity, async (ctx, activity) => {
    reportReceived(ctx, activity);
  })
  .onError((_ctx, error) => log("inbox error:", error?.stack ?? String(error)));

async function acceptFollow(follow) {
  const ctx = context();
  const follower = await fetchActor(ctx, follow.actorId.href);
  followers.set(follower.id.href, follower);
  const accept = new Accept({
    id: new URL(`${ORIGIN}/activities/${randomUUID()}`),
    actor: ctx.getActorUri(IDENTIFIER),
    to: follower.id,
    object: follow,
  });
  const status = await send(ctx, follower, accept, false);
  emit({ event: "sent", type: "Accept", to: follower.id.href, status });
}

// ---------------------------------------------------------------------------
// Outgoing helpers
// ---------------------------------------------------------------------------

class CommandError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

// A signed GET (Fedify's authenticated document loader double-knocks:
// RFC 9421 first, draft-cavage on 4xx).
async function fetchObject(ctx, url) {
  const loader = await ctx.getDocumentLoader({ identifier: IDENTIFIER });
  let remote;
  try {
    remote = await loader(url);
  } catch (error) {
    throw new CommandError(`GET ${url} failed: ${error?.message ?? error}`, error?.status);
  }
  return await vocab.Object.fromJsonLd(remote.document, {
    documentLoader: loader,
    contextLoader: ctx.contextLoader,
  });
}

async function fetchActor(ctx, url) {
  const actor = await fetchObject(ctx, url);
  if (!isActor(actor)) throw new CommandError(`${url} is not an actor`);
  if (actor.inboxId == null) throw new CommandError(`actor ${url} has no inbox`);
  return actor;
}

async function authorOf(ctx, object) {
  const authorId = object.attributionId ?? object.actorId;
  if (authorId == null) throw new CommandError(`${object.id?.href} has no attributedTo`);
  return await fetchActor(ctx, authorId.href);
}

async function rememberActivity(ctx, activity) {
  const json = await activity.toJsonLd({ contextLoader: ctx.contextLoader });
  sentActivities.set(new URL(activity.id).pathname, json);
}

// Sends one activity to one actor (or a list) and returns the status its
// inbox answered (the last POST's, for a list).
async function send(ctx, recipient, activity, preferSharedInbox) {
  await rememberActivity(ctx, activity);
  try {
    await ctx.sendActivity({ identifier: IDENTIFIER }, recipient, activity, {
      preferSharedInbox,
      immediate: true,
    });
  } catch (error) {
    if (error instanceof SendActivityError) {
      const body = (error.responseBody ?? "").slice(0, 300);
      throw new CommandError(`${error.message.split("\n")[0]} ${body}`.trim(), error.statusCode);
    }
    throw new CommandError(`delivery failed: ${error?.message ?? error}`);
  }
  if (Array.isArray(recipient)) return lastPostStatus(null);
  const inbox = preferSharedInbox && recipient.endpoints?.sharedInbox ? recipient.endpoints.sharedInbox : recipient.inboxId;
  return lastPostStatus(inbox?.href);
}

// Where activities about one of our Notes go: a reply to the author of the
// post it answers (shared inbox preferred), a top-level post to the followers.
async function sendToAudience(ctx, note, activity) {
  if (note.replyTargetId != null) {
    const author =
      replyAuthors.get(note.id.href) ?? (await authorOf(ctx, await fetchObject(ctx, note.replyTargetId.href)));
    return { status: await send(ctx, author, activity, true), delivered: 1 };
  }
  const recipients = [...followers.values()];
  if (recipients.length === 0) return { status: null, delivered: 0 };
  await send(ctx, recipients, activity, true);
  return { status: lastPostStatus(null), delivered: recipients.length };
}

function lastPostStatus(inboxUrl) {
  const outgoing = commandScope.getStore() ?? [];
  for (let i = outgoing.length - 1; i >= 0; i--) {
    const entry = outgoing[i];
    if (entry.method === "POST" && (inboxUrl == null || entry.url === inboxUrl)) return entry.status;
  }
  return null;
}

function newId(kind) {
  return new URL(`${ORIGIN}/${kind}/${randomUUID()}`);
}

function context() {
  return federation.createContext(new URL(ORIGIN), { rawBody: null, rejectReason: null, signature: null, keyId: null });
}

function requireString(cmd, field) {
  const value = cmd[field];
  if (typeof value !== "string" || value === "") throw new CommandError(`missing "${field}"`);
  return value;
}

// A Note to `recipient` alone (no Public, no followers) with its Mention tag, answering
// `replyTarget` (or nothing), created and delivered to the recipient's own inbox.
async function sendDirect(ctx, recipient, replyTarget, content) {
  const noteId = ctx.getObjectUri(Note, { id: randomUUID() });
  const note = new Note({
    id: noteId,
    attribution: ctx.getActorUri(IDENTIFIER),
    to: recipient.id,
    tags: [new Mention({ href: recipient.id, name: mentionName(recipient) })],
    replyTarget,
    content,
    published: Temporal.Now.instant(),
    url: noteId,
  });
  notes.set(noteId.href, note);
  const create = new Create({
    id: new URL(`${noteId.href}/activity`),
    actor: ctx.getActorUri(IDENTIFIER),
    to: recipient.id,
    object: note,
    published: note.published,
  });
  const status = await send(ctx, recipient, create, false);
  return { note: noteId.href, status };
}

function mentionName(actor) {
  const host = actor.id.host;
  return actor.preferredUsername ? `@${actor.preferredUsername}@${host}` : actor.id.href;
}

// ---------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------

const commands = {
  // Does nothing: its "done" comes after every event printed before it (stdout is written in
  // order), so a test that waits for it has read all the peer logged until then.
  async ping() {
    return {};
  },

  async follow(cmd) {
    const ctx = context();
    const target = await fetchActor(ctx, requireString(cmd, "target"));
    const follow = new Follow({
      id: newId("activities"),
      actor: ctx.getActorUri(IDENTIFIER),
      object: target.id,
      to: target.id,
    });
    lastFollow = { follow, target };
    const status = await send(ctx, target, follow, false);
    return { follow: follow.id.href, status };
  },

  async undo_follow() {
    if (lastFollow == null) throw new CommandError("no follow to undo");
    const ctx = context();
    const { follow, target } = lastFollow;
    const undo = new Undo({
      id: newId("activities"),
      actor: ctx.getActorUri(IDENTIFIER),
      object: follow,
      to: target.id,
    });
    const status = await send(ctx, target, undo, false);
    lastFollow = null;
    return { follow: follow.id.href, undo: undo.id.href, status };
  },

  async reply(cmd) {
    const ctx = context();
    // With `author`, the object is not fetched (a server that kept an id now deleted).
    const target = new URL(requireString(cmd, "in_reply_to"));
    const article = typeof cmd.author === "string" ? { id: target } : await fetchObject(ctx, target.href);
    const author =
      typeof cmd.author === "string" ? await fetchActor(ctx, cmd.author) : await authorOf(ctx, article);
    const noteId = ctx.getObjectUri(Note, { id: randomUUID() });
    const note = new Note({
      id: noteId,
      attribution: ctx.getActorUri(IDENTIFIER),
      to: PUBLIC_COLLECTION,
      ccs: [ctx.getFollowersUri(IDENTIFIER), author.id],
      tags: [new Mention({ href: author.id, name: mentionName(author) })],
      replyTarget: article.id,
      content: requireString(cmd, "content"),
      published: Temporal.Now.instant(),
      url: noteId,
    });
    notes.set(noteId.href, note);
    replyAuthors.set(noteId.href, author);
    const create = new Create({
      id: new URL(`${noteId.href}/activity`),
      actor: ctx.getActorUri(IDENTIFIER),
      to: PUBLIC_COLLECTION,
      ccs: [ctx.getFollowersUri(IDENTIFIER), author.id],
      object: note,
      published: note.published,
    });
    const status = await send(ctx, author, create, true);
    return { note: noteId.href, activity: create.id.href, status };
  },

  // A public top-level Note, delivered to the followers (used by the
  // self-check so each peer has something the other can reply to). Optional:
  // `type` "Article" (with `name`: a blog post, served from /articles/), a
  // `summary` (a Note's content warning, an Article's summary) and
  // `attachments` [{url, mediaType, name}] (images with their alt text).
  async post(cmd) {
    const ctx = context();
    const isArticle = cmd.type === "Article";
    const noteId = isArticle ? newId("articles") : ctx.getObjectUri(Note, { id: randomUUID() });
    const Kind = isArticle ? vocab.Article : Note;
    const attachments = (Array.isArray(cmd.attachments) ? cmd.attachments : []).map(
      (a) => new vocab.Image({ url: new URL(a.url), mediaType: a.mediaType ?? null, name: a.name ?? null }),
    );
    const note = new Kind({
      id: noteId,
      attribution: ctx.getActorUri(IDENTIFIER),
      to: PUBLIC_COLLECTION,
      cc: ctx.getFollowersUri(IDENTIFIER),
      name: isArticle ? requireString(cmd, "name") : null,
      summary: typeof cmd.summary === "string" ? cmd.summary : null,
      content: requireString(cmd, "content"),
      attachments,
      published: Temporal.Now.instant(),
      url: noteId,
    });
    if (isArticle) {
      // Served as it is (the object dispatcher knows only Notes).
      sentActivities.set(noteId.pathname, await note.toJsonLd({ contextLoader: ctx.contextLoader }));
    } else {
      notes.set(noteId.href, note);
    }
    const create = new Create({
      id: new URL(`${noteId.href}/activity`),
      actor: ctx.getActorUri(IDENTIFIER),
      to: PUBLIC_COLLECTION,
      cc: ctx.getFollowersUri(IDENTIFIER),
      object: note,
      published: note.published,
    });
    const { status, delivered } = await sendToAudience(ctx, note, create);
    return { note: noteId.href, activity: create.id.href, status, delivered };
  },

  async update_reply(cmd) {
    const ctx = context();
    const id = requireString(cmd, "note");
    const old = notes.get(id);
    if (old == null) throw new CommandError(`unknown note ${id}`);
    const note = old.clone({ content: requireString(cmd, "content"), updated: Temporal.Now.instant() });
    notes.set(id, note);
    const update = new Update({
      id: new URL(`${id}#updates/${Date.now()}`),
      actor: ctx.getActorUri(IDENTIFIER),
      tos: note.toIds,
      ccs: note.ccIds,
      object: note,
      updated: note.updated,
    });
    const { status, delivered } = await sendToAudience(ctx, note, update);
    return { note: id, activity: update.id.href, status, delivered };
  },

  async delete_reply(cmd) {
    const ctx = context();
    const id = requireString(cmd, "note");
    const note = notes.get(id);
    if (note == null) throw new CommandError(`unknown note ${id}`);
    const del = new Delete({
      id: new URL(`${id}#delete`),
      actor: ctx.getActorUri(IDENTIFIER),
      tos: note.toIds,
      ccs: note.ccIds,
      object: new Tombstone({ id: new URL(id) }),
    });
    notes.delete(id);
    deletedNotes.add(id);
    const { status, delivered } = await sendToAudience(ctx, note, del);
    return { note: id, activity: del.id.href, status, delivered };
  },

  async like(cmd) {
    const ctx = context();
    const object = await fetchObject(ctx, requireString(cmd, "object"));
    const author = await authorOf(ctx, object);
    const like = new Like({
      id: newId("activities"),
      actor: ctx.getActorUri(IDENTIFIER),
      object: object.id,
      to: author.id,
    });
    lastLike = { like, recipient: author };
    const status = await send(ctx, author, like, false);
    return { activity: like.id.href, status };
  },

  async announce(cmd) {
    const ctx = context();
    const object = await fetchObject(ctx, requireString(cmd, "object"));
    const author = await authorOf(ctx, object);
    const announce = new Announce({
      id: newId("activities"),
      actor: ctx.getActorUri(IDENTIFIER),
      object: object.id,
      to: PUBLIC_COLLECTION,
      ccs: [author.id, ctx.getFollowersUri(IDENTIFIER)],
      published: Temporal.Now.instant(),
    });
    lastAnnounce = { announce, recipient: author };
    const status = await send(ctx, author, announce, true);
    return { activity: announce.id.href, status };
  },

  async undo_like() {
    if (lastLike == null) throw new CommandError("no like to undo");
    const ctx = context();
    const { like, recipient } = lastLike;
    const undo = new Undo({
      id: newId("activities"),
      actor: ctx.getActorUri(IDENTIFIER),
      object: like,
      to: recipient.id,
    });
    const status = await send(ctx, recipient, undo, false);
    lastLike = null;
    return { activity: undo.id.href, status };
  },

  async undo_announce() {
    if (lastAnnounce == null) throw new CommandError("no announce to undo");
    const ctx = context();
    const { announce, recipient } = lastAnnounce;
    const undo = new Undo({
      id: newId("activities"),
      actor: ctx.getActorUri(IDENTIFIER),
      object: announce,
      to: PUBLIC_COLLECTION,
      ccs: [recipient.id, ctx.getFollowersUri(IDENTIFIER)],
    });
    const status = await send(ctx, recipient, undo, true);
    lastAnnounce = null;
    return { activity: undo.id.href, status };
  },
};

// ---------------------------------------------------------------------------
// Quote posts (FEP-044f), for Feder's quote tests (tests/interop.rs, quotes block).
//   quote_request {object, content}: a public Note quoting `object` (a post of
//     the blog), and a QuoteRequest for it to the post's author with the Note
//     embedded as `instrument`; answers the Note's and the request's ids.
//   read_authorization {url}: a signed GET of a Quote/ReplyAuthorization, read with
//     Fedify's vocabulary; answers its type and fields as Fedify understood them.
// The Accept / Reject / Delete that come back are "received" events.
// Thread completion (FEP-f228), for the backfill test:
//   thread {in_reply_to, via}: a reply A to the blog's post, delivered, and
//     replies the blog is never sent. via "replies": B answers A and is listed in
//     A's embedded `replies`. via "context": B answers A and C answers B, listed
//     (C first) only in the conversation's `context` collection.
// Reply controls (GoToSocial's interaction policy), for the held-reply test:
//   reply_request {in_reply_to, content}: a public reply, not delivered, asked
//     for with a ReplyRequest (the reply embedded as `instrument`).
//   direct_reply {in_reply_to, content}: a reply addressed to the post's author
//     only (a "direct message"), delivered to them.
//   direct_message {to, content, in_reply_to?}: a direct message to the actor `to`.
// ---------------------------------------------------------------------------

Object.assign(commands, {
  // A new RSA key pair replaces the first one (its key id stays the same), as an account does
  // that rotates its key: the actor serves the new public key, and everything the peer signs
  // from now on is signed with the new private key.
  async rotate_key() {
    keyPairs[0] = await generateCryptoKeyPair("RSASSA-PKCS1-v1_5");
    return {};
  },

  async quote_request(cmd) {
    const ctx = context();
    const post = await fetchObject(ctx, requireString(cmd, "object"));
    const author = await authorOf(ctx, post);
    const noteId = ctx.getObjectUri(Note, { id: randomUUID() });
    const note = new Note({
      id: noteId,
      attribution: ctx.getActorUri(IDENTIFIER),
      to: PUBLIC_COLLECTION,
      ccs: [ctx.getFollowersUri(IDENTIFIER), author.id],
      content: requireString(cmd, "content"),
      quote: post.id,
      quoteUrl: post.id,
      published: Temporal.Now.instant(),
      url: noteId,
    });
    notes.set(noteId.href, note);
    const request = new vocab.QuoteRequest({
      id: newId("quote_requests"),
      actor: ctx.getActorUri(IDENTIFIER),
      to: author.id,
      object: post.id,
      instrument: note,
    });
    const status = await send(ctx, author, request, false);
    return { note: noteId.href, request: request.id.href, status };
  },

  async thread(cmd) {
    const ctx = context();
    const post = await fetchObject(ctx, requireString(cmd, "in_reply_to"));
    const author = await authorOf(ctx, post);
    const via = requireString(cmd, "via");
    const conversation = new URL(`${ORIGIN}/contexts/${randomUUID()}`);
    const [a, b, c] = [0, 1, 2].map(() => ctx.getObjectUri(Note, { id: randomUUID() }));
    const note = (id, parent, content, extra = {}) =>
      new Note({
        id,
        attribution: ctx.getActorUri(IDENTIFIER),
        to: PUBLIC_COLLECTION,
        ccs: [ctx.getFollowersUri(IDENTIFIER), author.id],
        replyTarget: parent,
        content,
        published: Temporal.Now.instant(),
        url: id,
        contexts: via === "context" ? [conversation] : [],
        ...extra,
      });
    const first = note(a, post.id, "<p>First in the thread</p>", {
      tags: [new Mention({ href: author.id, name: mentionName(author) })],
      ...(via === "replies" ? { replies: new vocab.Collection({ id: new URL(`${a.href}/replies`), items: [b] }) } : {}),
    });
    const hidden = [note(b, a, "<p>Second in the thread</p>")];
    if (via === "context") hidden.push(note(c, b, "<p>Third in the thread</p>"));
    for (const n of [first, ...hidden]) notes.set(n.id.href, n);
    if (via === "context") {
      const items = [...hidden].reverse().map((n) => n.id.href).concat([a.href]);
      sentActivities.set(conversation.pathname, {
        "@context": "https://www.w3.org/ns/activitystreams",
        id: conversation.href,
        type: "OrderedCollection",
        totalItems: items.length,
        orderedItems: items,
      });
    }
    replyAuthors.set(a.href, author);
    const create = new Create({
      id: new URL(`${a.href}/activity`),
      actor: ctx.getActorUri(IDENTIFIER),
      to: PUBLIC_COLLECTION,
      ccs: [ctx.getFollowersUri(IDENTIFIER), author.id],
      object: first,
      published: first.published,
    });
    const status = await send(ctx, author, create, true);
    return { first: a.href, hidden: hidden.map((n) => n.id.href), context: conversation.href, status };
  },

  // conversation {content?}: a public top-level Note R, delivered to the followers, and
  // two replies delivered to no one: A answers R and is listed in R's embedded `replies`;
  // B answers A and is listed only in the conversation's `context` collection (B, R, A:
  // not in thread order), which all three name.
  async conversation(cmd) {
    const ctx = context();
    const conversation = new URL(`${ORIGIN}/contexts/${randomUUID()}`);
    const [r, a, b] = [0, 1, 2].map(() => ctx.getObjectUri(Note, { id: randomUUID() }));
    const note = (id, parent, content, extra = {}) =>
      new Note({
        id,
        attribution: ctx.getActorUri(IDENTIFIER),
        to: PUBLIC_COLLECTION,
        cc: ctx.getFollowersUri(IDENTIFIER),
        ...(parent == null ? {} : { replyTarget: parent }),
        content,
        published: Temporal.Now.instant(),
        url: id,
        contexts: [conversation],
        ...extra,
      });
    const root = note(r, null, typeof cmd.content === "string" ? cmd.content : "<p>What do you grow?</p>", {
      replies: new vocab.Collection({ id: new URL(`${r.href}/replies`), items: [a] }),
    });
    const answer = note(a, r, "<p>Tomatoes, mostly.</p>");
    const answerToAnswer = note(b, a, "<p>Which kind?</p>");
    for (const n of [root, answer, answerToAnswer]) notes.set(n.id.href, n);
    const items = [b.href, r.href, a.href];
    sentActivities.set(conversation.pathname, {
      "@context": "https://www.w3.org/ns/activitystreams",
      id: conversation.href,
      type: "OrderedCollection",
      totalItems: items.length,
      orderedItems: items,
    });
    const create = new Create({
      id: new URL(`${r.href}/activity`),
      actor: ctx.getActorUri(IDENTIFIER),
      to: PUBLIC_COLLECTION,
      cc: ctx.getFollowersUri(IDENTIFIER),
      object: root,
      published: root.published,
    });
    const { status, delivered } = await sendToAudience(ctx, root, create);
    return { root: r.href, replies: [a.href, b.href], context: conversation.href, status, delivered };
  },

  // flag {target, objects, content}: a report (Flag) of `objects` (an account, posts), with
  // `content` as its reason, sent to the inbox of the actor `target`, as Mastodon sends one.
  async flag(cmd) {
    const ctx = context();
    const target = await fetchActor(ctx, requireString(cmd, "target"));
    if (!Array.isArray(cmd.objects) || cmd.objects.length === 0) throw new CommandError('missing "objects"');
    const flag = new vocab.Flag({
      id: newId("flags"),
      actor: ctx.getActorUri(IDENTIFIER),
      to: target.id,
      objects: cmd.objects.map((o) => new URL(o)),
      content: requireString(cmd, "content"),
    });
    const status = await send(ctx, target, flag, false);
    return { activity: flag.id.href, status };
  },

  async reply_request(cmd) {
    const ctx = context();
    const post = await fetchObject(ctx, requireString(cmd, "in_reply_to"));
    const author = await authorOf(ctx, post);
    const noteId = ctx.getObjectUri(Note, { id: randomUUID() });
    const note = new Note({
      id: noteId,
      attribution: ctx.getActorUri(IDENTIFIER),
      to: PUBLIC_COLLECTION,
      ccs: [ctx.getFollowersUri(IDENTIFIER), author.id],
      tags: [new Mention({ href: author.id, name: mentionName(author) })],
      replyTarget: post.id,
      content: requireString(cmd, "content"),
      published: Temporal.Now.instant(),
      url: noteId,
    });
    notes.set(noteId.href, note);
    const request = new vocab.ReplyRequest({
      id: newId("reply_requests"),
      actor: ctx.getActorUri(IDENTIFIER),
      to: author.id,
      object: post.id,
      instrument: note,
    });
    const status = await send(ctx, author, request, false);
    return { note: noteId.href, request: request.id.href, status };
  },

  async direct_reply(cmd) {
    const ctx = context();
    const post = await fetchObject(ctx, requireString(cmd, "in_reply_to"));
    const author = await authorOf(ctx, post);
    return sendDirect(ctx, author, post.id, requireString(cmd, "content"));
  },

  // direct_message {to, content, in_reply_to?}: a Note addressed to the actor `to` alone
  // (no Public, no followers), with its Mention tag, delivered to its own inbox.
  async direct_message(cmd) {
    const ctx = context();
    const recipient = await fetchActor(ctx, requireString(cmd, "to"));
    const replyTarget = typeof cmd.in_reply_to === "string" ? new URL(cmd.in_reply_to) : null;
    return sendDirect(ctx, recipient, replyTarget, requireString(cmd, "content"));
  },

  // accept_quote {request, actor}: the author's server accepts the QuoteRequest
  // `request` of `actor` (FEP-044f), with a QuoteAuthorization as `result`.
  async accept_quote(cmd) {
    const ctx = context();
    const actor = await fetchActor(ctx, requireString(cmd, "actor"));
    const authorization = newId("authorizations");
    const accept = new Accept({
      id: newId("activities"),
      actor: ctx.getActorUri(IDENTIFIER),
      to: actor.id,
      object: new URL(requireString(cmd, "request")),
      result: authorization,
    });
    const status = await send(ctx, actor, accept, false);
    return { activity: accept.id.href, authorization: authorization.href, status };
  },

  async read_authorization(cmd) {
    const ctx = context();
    const object = await fetchObject(ctx, requireString(cmd, "url"));
    const known = [vocab.QuoteAuthorization, vocab.ReplyAuthorization].find((k) => object instanceof k);
    if (known == null) {
      throw new CommandError(`${cmd.url} is not an authorization: ${object?.constructor?.name}`);
    }
    return {
      type: known === vocab.QuoteAuthorization ? "QuoteAuthorization" : "ReplyAuthorization",
      id: object.id?.href ?? null,
      attributed_to: object.attributionId?.href ?? null,
      interacting_object: object.interactingObjectId?.href ?? null,
      interaction_target: object.interactionTargetId?.href ?? null,
    };
  },
});

async function runCommand(line) {
  let cmd;
  try {
    cmd = JSON.parse(line);
  } catch {
    emit({ event: "done", cmd: null, ok: false, error: "stdin line is not JSON" });
    return;
  }
  const name = typeof cmd?.cmd === "string" ? cmd.cmd : null;
  if (name === "quit") {
    emit({ event: "done", cmd: "quit", ok: true });
    shutdown(0);
    return;
  }
  const handler = name != null && Object.hasOwn(commands, name) ? commands[name] : null;
  if (handler == null) {
    emit({ event: "done", cmd: name, ok: false, error: `unknown command ${JSON.stringify(name)}` });
    return;
  }
  const outgoing = [];
  try {
    const result = await commandScope.run(outgoing, () => handler(cmd));
    emit({ event: "done", cmd: name, ok: true, ...result });
  } catch (error) {
    const status = error?.status ?? null;
    if (!(error instanceof CommandError)) log(`${name} failed:`, error?.stack ?? String(error));
    emit({ event: "done", cmd: name, ok: false, error: String(error?.message ?? error), status });
  }
}

let shuttingDown = false;
function shutdown(code) {
  if (shuttingDown) return;
  shuttingDown = true;
  server.closeAllConnections?.();
  server.close(() => process.exit(code));
  setTimeout(() => process.exit(code), 1000).unref();
}

process.on("SIGTERM", () => shutdown(0));
process.on("SIGINT", () => shutdown(0));

// Commands run one after another, in the order they arrive.
let queue = Promise.resolve();
const rl = readline.createInterface({ input: process.stdin, terminal: false });
rl.on("line", (line) => {
  if (line.trim() === "") return;
  queue = queue.then(() => runCommand(line));
});
rl.on("close", () => {
  queue.then(() => shutdown(0));
});

log(`listening on 127.0.0.1:${PORT} as ${ORIGIN}/users/${IDENTIFIER}`);
emit({ event: "ready", actor: `${ORIGIN}/users/${IDENTIFIER}`, port: PORT });
