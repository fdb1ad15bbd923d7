package forward

import "github.com/ensemble-sfu/ensemble/sfu/rewrite"

// temporalInfo is what the forwarder needs to know about a packet's temporal
// layer, whatever the codec carries it in: the VP8 or VP9 payload descriptor,
// or the AV1 dependency descriptor header extension.
type temporalInfo struct {
	known bool  // the packet names its temporal layer
	tid   uint8 // temporal layer id
	// frameStart: the packet starts a frame of the base spatial layer, the
	// only place where the forwarded layer may change.
	frameStart bool
	// layerSync (VP8 Y bit): this frame depends on base-layer frames only,
	// so a decoder can start following its own layer here.
	layerSync bool
	// switchUp (VP9 U bit, AV1 base-layer frame): frames after this one in
	// higher layers reference nothing before it above its layer, so a
	// decoder that has this frame can follow every higher layer from here.
	switchUp bool
}

func vp8TemporalInfo(d *rewrite.VP8Descriptor) temporalInfo {
	return temporalInfo{known: d.HasTID, tid: d.TID, frameStart: d.HasFrameHeader, layerSync: d.LayerSync}
}

func vp9TemporalInfo(d *rewrite.VP9Descriptor) temporalInfo {
	return temporalInfo{known: d.HasLayers, tid: d.TID, frameStart: d.StartOfFrame && d.SID == 0,
		switchUp: d.SwitchUp}
}

// av1Temporal reads the temporal layer of an AV1 packet from its dependency
// descriptor ext (nil when absent), keeping the layer's template structure up
// to date. A descriptor carrying a structure marks a key frame. Without a
// descriptor, or with a template the structure does not know, the layer is
// unknown and the packet is forwarded.
//
// AV1 has no switching-up flag outside the decode target indications; frames
// of the base temporal layer are taken as switching points, which holds for
// the usual L1T2/L1T3 patterns where each upper-layer frame references the
// latest base frame or frames after it.
func (l *layer) av1Temporal(ext []byte, keyframe *bool) temporalInfo {
	if len(ext) == 0 {
		return temporalInfo{}
	}
	dd, err := parseDependencyDescriptor(ext, &l.dd)
	if err != nil {
		return temporalInfo{}
	}
	if dd.HasStructure && dd.StartOfFrame {
		*keyframe = true
	}
	sid, tid, ok := l.dd.layerOf(dd.TemplateID)
	if !ok {
		return temporalInfo{}
	}
	return temporalInfo{known: true, tid: min(tid, maxTemporal), frameStart: dd.StartOfFrame && sid == 0, switchUp: tid == 0}
}

// dropTemporal reports whether a packet belongs to a temporal layer above the
// one forwarded, moving the forwarded layer toward the wanted one where a
// decoder can follow: down at the start of any frame, up only at a key frame,
// a VP8 layer-sync frame or a switching-up point. Callers hold d.mu.
func (d *DownTrack) dropTemporal(p *inPacket) bool {
	t := &p.temporal
	want := d.temporal.Load()
	tid := int32(t.tid)
	if want != d.curTemporal && t.frameStart {
		switch {
		case want < d.curTemporal:
			d.curTemporal = want
		case p.keyframe,
			t.layerSync && tid <= want && tid > d.curTemporal,
			t.switchUp && tid <= d.curTemporal:
			d.curTemporal = want
		}
	}
	return tid > d.curTemporal
}
