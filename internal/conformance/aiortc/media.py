"""Synthetic media for the conformance clients: a moving picture and a tone.

Small (320x180 at 30 fps) so that two encoders and two decoders fit on a
2-core test machine beside the server.
"""

import asyncio
import fractions
import math
import time

import numpy
from av import AudioFrame, VideoFrame
from aiortc.mediastreams import AudioStreamTrack, MediaStreamError, VideoStreamTrack

WIDTH, HEIGHT = 320, 180


class MovingBars(VideoStreamTrack):
    """A grey picture with a white bar sweeping across it: every frame differs,
    so the encoder sends real inter frames rather than empty ones."""

    def __init__(self):
        super().__init__()
        self.n = 0

    async def recv(self):
        pts, time_base = await self.next_timestamp()
        img = numpy.full((HEIGHT, WIDTH, 3), 96, dtype=numpy.uint8)
        x = (self.n * 4) % WIDTH
        img[:, x : x + 16, :] = 255
        self.n += 1
        frame = VideoFrame.from_ndarray(img, format="rgb24")
        frame.pts, frame.time_base = pts, time_base
        return frame


class Tone(AudioStreamTrack):
    """A 440 Hz tone in 20 ms frames of 48 kHz mono."""

    RATE = 48000
    SAMPLES = 960

    def __init__(self):
        super().__init__()
        self.t = 0
        self.start = None

    async def recv(self):
        if self.readyState != "live":
            raise MediaStreamError
        if self.start is None:
            self.start = time.time()
        else:  # paced by the clock, as a microphone is
            await asyncio.sleep(self.start + self.t / self.RATE - time.time())
        pts = self.t
        i = numpy.arange(self.t, self.t + self.SAMPLES)
        self.t += self.SAMPLES
        s = (numpy.sin(2 * math.pi * 440 * i / self.RATE) * 8000).astype(numpy.int16)
        frame = AudioFrame.from_ndarray(s.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = self.RATE
        frame.pts = pts
        frame.time_base = fractions.Fraction(1, self.RATE)
        return frame


async def count_frames(track, counts, key):
    """Receives decoded frames of track until it ends, counting them."""
    while True:
        try:
            await track.recv()
        except Exception:  # MediaStreamError when the track ends
            return
        counts[key] = counts.get(key, 0) + 1


def without_remb():
    """Makes this process's aiortc a receiver that sends no bandwidth feedback:
    aiortc estimates (and sends REMB) only from abs-send-time, so that header
    extension and goog-remb are taken out of what it negotiates."""
    from aiortc import codecs

    codecs.HEADER_EXTENSIONS["video"] = [
        e for e in codecs.HEADER_EXTENSIONS["video"] if "abs-send-time" not in e.uri
    ]
    for c in codecs.CODECS["video"]:
        c.rtcpFeedback = [f for f in c.rtcpFeedback if f.type != "goog-remb"]
