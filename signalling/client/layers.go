package client

import "sync/atomic"

// maxLayers is the most simulcast layers a track has.
const maxLayers = 3

// layerState is what the client tracks per simulcast layer of a LocalTrack: the
// keyframe requests the server sent for that layer, and whether the server
// asked the client to stop sending it (dynacast: no subscriber needs it).
type layerState struct {
	keyframes [maxLayers]atomic.Uint64
	disabled  [maxLayers]atomic.Bool
}

// layerIndex maps a RID to the layer index (lowest first); "" is layer 0.
func (t *LocalTrack) layerIndex(rid string) int {
	for i, l := range t.opts.Layers {
		if l.RID == rid {
			return i
		}
	}
	return 0
}

// LayerKeyframeRequests counts the PLI and FIR received for one layer (0 =
// lowest). A player restarts only that layer at a keyframe: restarting every
// layer on any request sends all their keyframes at once, a burst that
// overflows socket buffers and costs the bandwidth a switch was meant to save.
func (t *LocalTrack) LayerKeyframeRequests(layer int) uint64 {
	if layer < 0 || layer >= maxLayers {
		return 0
	}
	return t.layers.keyframes[layer].Load()
}

// LayerEnabled reports whether the server wants the layer sent (dynacast). A
// disabled layer's writes are dropped, so the publisher spends neither CPU nor
// bandwidth on a layer no subscriber receives.
func (t *LocalTrack) LayerEnabled(layer int) bool {
	if layer < 0 || layer >= maxLayers {
		return false
	}
	return !t.layers.disabled[layer].Load()
}

// setLayerEnabled records the server's wish for one layer (by quality) and
// reports whether it changed from disabled to enabled (the layer then needs a
// keyframe to be decodable again).
func (t *LocalTrack) setLayerEnabled(layer int, enabled bool) (restarted bool) {
	if layer < 0 || layer >= maxLayers || layer >= t.Layers() {
		return false
	}
	was := t.layers.disabled[layer].Swap(!enabled)
	if was == enabled && t.opts.OnLayerEnabled != nil {
		t.opts.OnLayerEnabled(layer, enabled)
	}
	if was && enabled {
		t.layers.keyframes[layer].Add(1) // the player restarts the layer at a keyframe
		return true
	}
	return false
}
