"""One participant of a meeting: joins with the token, publishes a camera and a
microphone, receives the others for --seconds, leaves, and prints one JSON line
with what it received: {"video_frames", "audio_frames", "errors"}.

    meeting.py --url http://127.0.0.1:7880 --token <JWT> --seconds 30 [--no-remb]
"""

import argparse
import asyncio
import json
import sys

import media
from ensemble import Session


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--no-remb", action="store_true", help="send no bandwidth feedback at all")
    args = ap.parse_args()
    if args.no_remb:
        media.without_remb()

    s = Session(args.url, args.token)
    counts = {}
    readers = []

    @s.sub.on("track")
    def on_track(track):
        readers.append(asyncio.ensure_future(media.count_frames(track, counts, track.kind)))

    await s.connect()
    await s.publish([(media.Tone(), "microphone"), (media.MovingBars(), "camera")])
    await asyncio.sleep(args.seconds)
    await s.leave()
    for r in readers:
        r.cancel()
    print(json.dumps({
        "video_frames": counts.get("video", 0),
        "audio_frames": counts.get("audio", 0),
        "errors": s.errors,
    }))
    sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(main())
