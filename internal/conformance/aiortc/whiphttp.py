"""The HTTP side of WHIP (RFC 9725) and WHEP, as a client reads the RFC: POST
the offer as application/sdp with a bearer token, expect 201 with the answer,
the session URL in Location, an ETag and the ICE servers in Link headers;
PATCH application/trickle-ice-sdpfrag; DELETE the session URL to end."""

import asyncio
import re
import urllib.error
import urllib.parse
import urllib.request


class HTTPError(Exception):
    pass


def _do(method, url, token, body=None, ctype=None, headers=None):
    req = urllib.request.Request(url, data=body.encode() if body is not None else None, method=method)
    req.add_header("Authorization", "Bearer " + token)
    if ctype:
        req.add_header("Content-Type", ctype)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=20) as resp:
            return resp.status, resp.headers, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


async def request(*args, **kw):
    return await asyncio.get_running_loop().run_in_executor(None, lambda: _do(*args, **kw))


def ice_servers(headers):
    """The Link: <url>; rel="ice-server" headers (RFC 9725 section 4.6)."""
    out = []
    for v in headers.get_all("Link") or []:
        for link in v.split(","):
            m = re.match(r'\s*<([^>]*)>(.*)', link)
            if m and re.search(r'rel="?ice-server"?', m.group(2)):
                out.append(m.group(1))
    return out


class Session:
    """One WHIP or WHEP session."""

    def __init__(self, endpoint, token):
        self.endpoint, self.token = endpoint, token
        self.location = self.etag = None
        self.links = []

    async def post(self, offer_sdp):
        status, headers, body = await request("POST", self.endpoint, self.token, offer_sdp, "application/sdp")
        if status != 201:
            raise HTTPError(f"POST {self.endpoint}: {status} {body}")
        if headers.get("Content-Type", "").split(";")[0].strip() != "application/sdp":
            raise HTTPError(f"answer content type {headers.get('Content-Type')!r}")
        self.location = urllib.parse.urljoin(self.endpoint, headers["Location"])
        self.etag = headers.get("ETag")
        self.links = ice_servers(headers)
        return body

    async def patch(self, fragment, if_match=None):
        h = {"If-Match": if_match} if if_match else {}
        return await request("PATCH", self.location, self.token, fragment, "application/trickle-ice-sdpfrag", h)

    async def delete(self):
        status, _, body = await request("DELETE", self.location, self.token)
        if status != 200:
            raise HTTPError(f"DELETE {self.location}: {status} {body}")


def end_of_candidates(local_sdp):
    """A fragment saying the client has no more candidates (aiortc gathers them
    all before the offer, so this is the only trickle it ever needs)."""
    ufrag = re.search(r"^a=ice-ufrag:(\S+)", local_sdp, re.M).group(1)
    pwd = re.search(r"^a=ice-pwd:(\S+)", local_sdp, re.M).group(1)
    mline = re.search(r"^m=(.*)$", local_sdp, re.M).group(1).strip()
    mid = re.search(r"^a=mid:(\S+)", local_sdp, re.M).group(1)
    return f"a=ice-ufrag:{ufrag}\r\na=ice-pwd:{pwd}\r\nm={mline}\r\na=mid:{mid}\r\na=end-of-candidates\r\n"
