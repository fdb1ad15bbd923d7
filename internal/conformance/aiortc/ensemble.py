"""A client of Ensemble's signalling protocol on aiortc, written from
signalling/PROTOCOL.md alone (see README.md beside this file for what the
document had to answer).

One WebSocket carries JSON envelopes {"type", "req_id", "data"}. The client
publishes on its own peer connection (it offers, after declaring each track
with add_track, cid = the track id of the section's a=msid) and receives on a
second one for which the server offers. aiortc puts every candidate in its SDP,
so it trickles nothing; the server's subscriber candidates come as trickle
messages after the offer they belong to.
"""

import asyncio
import json
import re
import urllib.parse

import websockets
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.sdp import candidate_from_sdp


class RequestError(Exception):
    """An error message answering a request (code and message)."""

    def __init__(self, code, message):
        super().__init__(f"{code}: {message}")
        self.code = code


class Session:
    def __init__(self, http_url, token):
        u = urllib.parse.urlsplit(http_url)
        scheme = "wss" if u.scheme == "https" else "ws"
        self.url = f"{scheme}://{u.netloc}/rtc?" + urllib.parse.urlencode(
            {"access_token": token, "protocol": "1"}
        )
        self.pub = RTCPeerConnection()
        self.sub = RTCPeerConnection()
        self.next_id = 0
        self.pending = {}  # req_id -> future
        self.errors = []  # errors the server sent without a request waiting
        self.join = None
        self.closed = None  # the close message, once received
        # Subscriber offers and the server's subscriber candidates are applied in
        # the order they came: a candidate needs the offer before it.
        self.negotiation = asyncio.Queue()
        self.tasks = []

    async def connect(self):
        self.ws = await websockets.connect(self.url, max_size=None)
        first = json.loads(await self.ws.recv())
        if first["type"] != "join":
            raise RuntimeError(f"first message is {first['type']}, not join")
        self.join = first["data"]
        self.tasks = [
            asyncio.ensure_future(self._read()),
            asyncio.ensure_future(self._negotiate()),
            asyncio.ensure_future(self._ping(self.join["ping_interval_ms"] / 1000)),
        ]

    async def send(self, type_, data=None, req_id=None):
        msg = {"type": type_}
        if req_id is not None:
            msg["req_id"] = req_id
        if data is not None:
            msg["data"] = data
        await self.ws.send(json.dumps(msg))

    async def request(self, type_, data=None):
        """Sends a request with a req_id and waits for its one response."""
        self.next_id += 1
        rid = self.next_id
        fut = asyncio.get_running_loop().create_future()
        self.pending[rid] = fut
        await self.send(type_, data, rid)
        return await asyncio.wait_for(fut, 20)

    async def _read(self):
        try:
            async for raw in self.ws:
                msg = json.loads(raw)
                t, rid, data = msg["type"], msg.get("req_id"), msg.get("data") or {}
                if rid is not None and rid in self.pending:
                    fut = self.pending.pop(rid)
                    if t == "error":
                        fut.set_exception(RequestError(data.get("code"), data.get("message")))
                    else:
                        fut.set_result(msg)
                    # a track_published answering add_track is also an event; nothing more to do
                    continue
                if t == "offer":
                    self.negotiation.put_nowait(("offer", data))
                elif t == "trickle" and data.get("target") == "subscriber":
                    self.negotiation.put_nowait(("candidate", data["candidate"]))
                elif t == "error":
                    self.errors.append(data)
                elif t == "close":
                    self.closed = data
        except websockets.ConnectionClosed:
            pass

    async def _negotiate(self):
        while True:
            what, data = await self.negotiation.get()
            try:
                if what == "offer":
                    await self.sub.setRemoteDescription(RTCSessionDescription(sdp=data["sdp"], type="offer"))
                    answer = await self.sub.createAnswer()
                    await self.sub.setLocalDescription(answer)
                    # The ack comes later; the reader resolves it (an error there
                    # would be recorded in errors).
                    self.next_id += 1
                    await self.send("answer", {"sdp": self.sub.localDescription.sdp}, self.next_id)
                else:
                    await self._add_candidate(self.sub, data)
            except Exception as e:  # recorded, and the test fails on it
                self.errors.append({"code": "client", "message": f"{what}: {e!r}"})

    @staticmethod
    async def _add_candidate(pc, c):
        line = c.get("candidate", "")
        if not line:  # end of candidates
            return
        cand = candidate_from_sdp(line.split(":", 1)[1])
        cand.sdpMid = c.get("sdpMid")
        cand.sdpMLineIndex = c.get("sdpMLineIndex")
        await pc.addIceCandidate(cand)

    async def _ping(self, interval):
        while True:
            await asyncio.sleep(interval)
            await self.send("ping", {"timestamp": int(asyncio.get_running_loop().time() * 1000)})

    async def publish(self, tracks):
        """Publishes (track, source) pairs: add_track for each, then one offer."""
        for track, _ in tracks:
            self.pub.addTransceiver(track, direction="sendonly")
        await self.pub.setLocalDescription(await self.pub.createOffer())
        sdp = self.pub.localDescription.sdp
        ids = section_track_ids(sdp)
        for (track, source), (kind, cid) in zip(tracks, ids):
            assert kind == track.kind, (kind, track.kind)
            await self.request("add_track", {"cid": cid, "name": source, "kind": kind, "source": source})
        resp = await self.request("offer", {"sdp": sdp})
        await self.pub.setRemoteDescription(RTCSessionDescription(sdp=resp["data"]["sdp"], type="answer"))

    async def leave(self):
        try:
            await self.request("leave")
        except Exception:
            pass
        for t in self.tasks:
            t.cancel()
        await self.ws.close()
        await self.pub.close()
        await self.sub.close()


def section_track_ids(sdp):
    """(kind, track id) of each audio/video section, from a=msid:<stream> <track>
    (or a=ssrc:<ssrc> msid:<stream> <track>), in order."""
    out = []
    for section in re.split(r"\r?\nm=", sdp)[1:]:
        kind = section.split(" ", 1)[0]
        if kind not in ("audio", "video"):
            continue
        m = re.search(r"^a=msid:\S+ (\S+)", section, re.M) or re.search(
            r"^a=ssrc:\d+ msid:\S+ (\S+)", section, re.M
        )
        out.append((kind, m.group(1) if m else None))
    return out
