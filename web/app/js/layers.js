// layers: the simulcast layers a camera is published with, and the layer a
// subscriber asks for given the size of its tile.

const LAYERS = [
  { rid: "q", scale: 4 },
  { rid: "h", scale: 2 },
  { rid: "f", scale: 1 },
];

/** bitrateFor returns the maximum bitrate (bits/s) of a layer of this height. */
export function bitrateFor(height) {
  if (height <= 180) return 150_000;
  if (height <= 270) return 300_000;
  if (height <= 360) return 500_000;
  if (height <= 540) return 900_000;
  if (height <= 720) return 1_500_000;
  return 2_500_000;
}

/** simulcastLayers returns the layers, lowest first, for a capture of width x height:
 * three (q, h, f = 1/4, 1/2, full) from 960 pixels wide, two (h, f) from 640, none
 * below (a single stream). Each has the fields of the protocol's LayerInfo plus
 * scaleResolutionDownBy for the sender's encodings. */
export function simulcastLayers(width, height) {
  let chosen;
  if (width >= 960) chosen = LAYERS;
  else if (width >= 640) chosen = LAYERS.slice(1);
  else return [];
  const names = chosen.length === 3 ? ["low", "medium", "high"] : ["low", "high"];
  return chosen.map((l, i) => {
    const w = Math.round(width / l.scale);
    const h = Math.round(height / l.scale);
    return { rid: l.rid, quality: names[i], width: w, height: h, bitrate: bitrateFor(h), scaleResolutionDownBy: l.scale };
  });
}

/** sendEncodings turns layers into RTCRtpEncodingParameters. */
export function sendEncodings(layers) {
  return layers.map((l) => ({
    rid: l.rid,
    scaleResolutionDownBy: l.scaleResolutionDownBy,
    maxBitrate: l.bitrate,
    active: true,
  }));
}

/** layerInfo strips the sender-only fields for add_track. */
export function layerInfo(layers) {
  return layers.map(({ rid, quality, width, height, bitrate }) => ({ rid, quality, width, height, bitrate }));
}

/** qualityFor picks the quality a tile of w x h device pixels needs from a track
 * whose layers are known (lowest first): the smallest layer at least as large as the
 * tile (with a little slack), else the largest. Without layers it goes by height. */
export function qualityFor(w, h, layers) {
  if (layers && layers.length > 0) {
    for (const l of layers) {
      if (l.width >= w * 0.8 && l.height >= h * 0.8) return l.quality;
    }
    return layers[layers.length - 1].quality;
  }
  if (h <= 200) return "low";
  if (h <= 400) return "medium";
  return "high";
}
