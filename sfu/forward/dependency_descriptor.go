package forward

import "errors"

// DependencyDescriptorURI is the RTP header extension carrying the AV1 (and
// possibly VP9) Dependency Descriptor: which layer a frame belongs to.
const DependencyDescriptorURI = "https://aomediacodec.github.io/av1-rtp-spec/#dependency-descriptor-rtp-header-extension"

// Errors of the dependency descriptor parser.
var (
	ErrDDTooShort     = errors.New("forward: dependency descriptor truncated")
	ErrDDTooManyTmpls = errors.New("forward: dependency descriptor has more than 64 templates")
)

// maxDDTemplates: template ids have 6 bits.
const maxDDTemplates = 64

// ddStructure is the part of a template dependency structure the forwarder
// needs: the spatial and temporal id of each template. A publisher sends it
// with key frames; later frames name a template by id only.
type ddStructure struct {
	valid       bool
	idOffset    uint8 // template_id_offset
	count       uint8 // TemplateCnt
	maxTemporal uint8
	spatial     [maxDDTemplates]uint8
	temporal    [maxDDTemplates]uint8
}

// layerOf maps a frame's frame_dependency_template_id to its spatial and
// temporal ids; ok is false when the structure does not know the id.
func (s *ddStructure) layerOf(templateID uint8) (sid, tid uint8, ok bool) {
	if !s.valid {
		return 0, 0, false
	}
	idx := (templateID + maxDDTemplates - s.idOffset) % maxDDTemplates
	if idx >= s.count {
		return 0, 0, false
	}
	return s.spatial[idx], s.temporal[idx], true
}

// dependencyDescriptor holds the mandatory fields of one packet's descriptor
// (AV1 RTP specification, appendix A.8.1) and whether a structure came with it.
type dependencyDescriptor struct {
	StartOfFrame bool
	EndOfFrame   bool
	TemplateID   uint8
	FrameNumber  uint16
	HasStructure bool
}

// bitReader reads big-endian bit fields; reads past the end set err.
type bitReader struct {
	b   []byte
	pos int // in bits
	err bool
}

func (r *bitReader) bits(n int) uint32 {
	var v uint32
	for range n {
		if r.pos >= len(r.b)*8 {
			r.err = true
			return 0
		}
		bit := r.b[r.pos/8] >> (7 - uint(r.pos%8)) & 1
		v = v<<1 | uint32(bit)
		r.pos++
	}
	return v
}

// parseDependencyDescriptor reads the descriptor in ext. When it carries a
// template dependency structure, the structure's layers are written to s
// (only then, so a truncated structure leaves s as it was).
func parseDependencyDescriptor(ext []byte, s *ddStructure) (dependencyDescriptor, error) {
	var d dependencyDescriptor
	if len(ext) < 3 {
		return d, ErrDDTooShort
	}
	d.StartOfFrame = ext[0]&0x80 != 0
	d.EndOfFrame = ext[0]&0x40 != 0
	d.TemplateID = ext[0] & 0x3f
	d.FrameNumber = uint16(ext[1])<<8 | uint16(ext[2])
	if len(ext) == 3 {
		return d, nil
	}
	r := bitReader{b: ext, pos: 24}
	structurePresent := r.bits(1) == 1
	r.bits(4) // active_decode_targets_present, custom_dtis, custom_fdiffs, custom_chains
	if r.err {
		return d, ErrDDTooShort
	}
	if !structurePresent {
		return d, nil
	}
	var ns ddStructure
	ns.idOffset = uint8(r.bits(6))
	r.bits(5) // dt_cnt_minus_one
	// template_layers(): next_layer_idc 1 = next temporal layer, 2 = next
	// spatial layer (temporal back to 0), 3 = no more templates.
	var sid, tid uint8
	for {
		if ns.count == maxDDTemplates {
			return d, ErrDDTooManyTmpls
		}
		ns.spatial[ns.count], ns.temporal[ns.count] = sid, tid
		ns.maxTemporal = max(ns.maxTemporal, tid)
		ns.count++
		idc := r.bits(2)
		if r.err {
			return d, ErrDDTooShort
		}
		if idc == 3 {
			break
		}
		switch idc {
		case 1:
			tid++
		case 2:
			tid = 0
			sid++
		}
	}
	ns.valid = true
	*s = ns
	d.HasStructure = true
	return d, nil
}
