"""A WHEP player on aiortc: offers to receive audio and video from --endpoint,
counts the decoded frames for --seconds, ends the session and prints
{"video_frames": n, "audio_frames": m, "links": [...]}.

    whep_play.py --endpoint http://127.0.0.1:7880/whep/room/presenter --token <JWT> --seconds 10
"""

import argparse
import asyncio
import json
import sys

import media
import whiphttp
from aiortc import RTCPeerConnection, RTCSessionDescription


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--seconds", type=float, default=10)
    args = ap.parse_args()

    pc = RTCPeerConnection()
    pc.addTransceiver("audio", direction="recvonly")
    pc.addTransceiver("video", direction="recvonly")
    counts, readers = {}, []

    @pc.on("track")
    def on_track(track):
        readers.append(asyncio.ensure_future(media.count_frames(track, counts, track.kind)))

    await pc.setLocalDescription(await pc.createOffer())
    session = whiphttp.Session(args.endpoint, args.token)
    answer = await session.post(pc.localDescription.sdp)
    await pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
    await asyncio.sleep(args.seconds)
    await session.delete()
    await pc.close()
    for r in readers:
        r.cancel()
    print(json.dumps({"video_frames": counts.get("video", 0), "audio_frames": counts.get("audio", 0), "links": session.links}))
    sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(main())
