// backup: the second encoding of a camera that the server asks for (publisher_backup)
// when someone in the room cannot decode the camera's codec. A SIP room system takes
// H.264 only; the browser sends VP8 simulcast. Rather than transcode, the server
// asks the publisher for the same picture in H.264 and forwards it to those who
// need it. These are the pure parts: which codecs the backup's sender may use, and
// how large and fast it encodes. Publications does the sending.

import { bitrateFor } from "./layers.js";

// A backup is at most 720 lines high: H.264 level 3.1 (profile-level-id 42e01f, what
// room systems and the bridge expect at least) stops at 1280x720, and the browser
// already encodes the camera once or three times.
const MAX_HEIGHT = 720;

/** backupCodecs returns the codecs, in the order to prefer, a backup in mimeType is
 * sent with: the entries of the capabilities list in that codec. For H.264 only
 * packetization-mode=1 (what the bridge and room systems take), constrained
 * baseline 42e01f first, then other baseline profiles, then the rest. Empty when the
 * browser cannot encode mimeType: the request is then ignored. */
export function backupCodecs(mimeType, capabilities) {
  const want = String(mimeType || "").toLowerCase();
  const same = (capabilities?.codecs || []).filter((c) => c.mimeType.toLowerCase() === want);
  if (want !== "video/h264") return same;
  const rank = (c) => {
    const fmtp = (c.sdpFmtpLine || "").toLowerCase();
    const profile = /profile-level-id=([0-9a-f]{6})/.exec(fmtp)?.[1] || "";
    if (profile === "42e01f") return 0;
    if (profile.startsWith("42")) return 1;
    return 2;
  };
  return same
    .filter((c) => /packetization-mode=1/.test((c.sdpFmtpLine || "").toLowerCase()))
    .map((c, i) => ({ c, i, r: rank(c) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.c);
}

/** backupEncoding returns the one encoding of a backup of a width x height capture:
 * scaled down to at most 720 lines, with the bitrate of a simulcast layer that high. */
export function backupEncoding(width, height) {
  const scale = height > MAX_HEIGHT ? height / MAX_HEIGHT : 1;
  const h = height ? Math.round(height / scale) : MAX_HEIGHT;
  return {
    scaleResolutionDownBy: scale,
    maxBitrate: bitrateFor(h),
    width: width ? Math.round(width / scale) : 0,
    height: height ? h : 0,
  };
}
