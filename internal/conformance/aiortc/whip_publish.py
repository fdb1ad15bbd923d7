"""A WHIP encoder (RFC 9725) on aiortc: publishes a moving picture and a tone
to --endpoint for --seconds (or until stdin ends), trickles its end of candidates, then ends the
session. Prints {"links": [...], "trickle_status": 204, "errors": []}.

    whip_publish.py --endpoint http://127.0.0.1:7880/whip/room --token <JWT> --seconds 20
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
    ap.add_argument("--seconds", type=float, default=20)
    args = ap.parse_args()

    pc = RTCPeerConnection()
    pc.addTransceiver(media.Tone(), direction="sendonly")
    pc.addTransceiver(media.MovingBars(), direction="sendonly")
    await pc.setLocalDescription(await pc.createOffer())
    session = whiphttp.Session(args.endpoint, args.token)
    answer = await session.post(pc.localDescription.sdp)
    await pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
    status, _, body = await session.patch(whiphttp.end_of_candidates(pc.localDescription.sdp), session.etag)
    errors = [] if status == 204 else [f"trickle PATCH: {status} {body}"]
    # Until --seconds pass or stdin ends (the test stops it).
    stdin = asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await asyncio.wait([stdin], timeout=args.seconds)
    await session.delete()
    await pc.close()
    print(json.dumps({"links": session.links, "trickle_status": status, "errors": errors}))
    sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(main())
