package sip

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/ensemble-sfu/ensemble/internal/levelstamp"
	"github.com/ensemble-sfu/ensemble/signalling/client"
	"github.com/ensemble-sfu/ensemble/sip/internal/codec"
	"github.com/ensemble-sfu/ensemble/sip/internal/dtmf"
)

// errNoFrame: the jitter buffer is still filling; nothing to send this tick.
var errNoFrame = errors.New("sip: no frame yet")

// audioPath is a call's audio path, moved one 20 ms frame per tick by the call's pump:
//
//	up:   SIP RTP → jitter buffer → leg decoder → PCM → Opus encoder → room microphone track
//	down: room tracks (Opus) → jitter buffer each → Opus decoder at the leg's rate → mix of
//	      the loudest three → leg encoder → SIP RTP
//
// The caller's voice enters the room as Opus whatever the leg's codec: every
// subscriber then gets the codec browsers and the recorder expect, with in-band
// FEC, instead of G.711 or G.722 that some of them cannot take. Opus decodes
// directly at 8, 16 or 48 kHz, so no resampler is needed either way.
type audioPath struct {
	leg   codec.Info
	frame int // PCM samples of a 20 ms frame at the leg's rate

	upJitter *jitterBuffer
	upDec    codec.Decoder
	upEnc    *codec.OpusEncoder // to the room, at the leg's PCM rate
	upPCM    []int16
	tones    *dtmf.Detector // in-band keys, when the far end offered no telephone-event
	onKey    func(rune)
	// level and voice are the RFC 6464 level (and V bit) of the caller's frame
	// being sent, set by up before it writes the frame: the room client's
	// interceptor (levelStamper) writes them on the frame's packet.
	level atomic.Uint32
	voice atomic.Bool

	downEnc codec.Encoder
	mu      sync.Mutex
	sources map[string]*roomSource // by track SID
	depth   int
	prompt  *playback // a gateway prompt, played instead of the room
	out     []int16
	seq     uint16
	ts      uint32
	ssrc    uint32
	pt      uint8
	started bool
	scratch []int16
}

// roomSource is one room participant's audio track as the call hears it.
type roomSource struct {
	jitter *jitterBuffer
	dec    *codec.OpusDecoder
	pcm    []int16
}

func newAudioPath(leg codec.Info, depth int) (*audioPath, error) {
	m := &audioPath{leg: leg, frame: leg.FrameSamples(), depth: depth, sources: map[string]*roomSource{},
		upJitter: newJitterBuffer(depth), seq: uint16(rand.Uint32()), ts: rand.Uint32(), ssrc: rand.Uint32(),
		scratch: make([]int16, 5760)}
	var err error
	if m.upDec, err = codec.NewDecoder(leg); err != nil {
		return nil, err
	}
	if m.upEnc, err = codec.NewOpusEncoder(leg.PCMRate); err != nil {
		m.close()
		return nil, err
	}
	if m.downEnc, err = codec.NewEncoder(leg); err != nil {
		m.close()
		return nil, err
	}
	m.out = make([]int16, m.frame)
	m.level.Store(silenceLevel)
	return m, nil
}

// levelStamper is the interceptor, for the call's room client, that writes the
// caller's level on each packet of its microphone track. The pump is the
// track's only writer and up sets the level before the write, which stamps
// it on the same goroutine: each packet carries its own frame's level.
func (m *audioPath) levelStamper() levelstamp.Stamper {
	return levelstamp.Stamper{Level: &m.level, Voice: &m.voice}
}

func (m *audioPath) setPayloadType(pt uint8) { m.pt = pt }

// listenForTones makes up look for DTMF tones in the caller's audio (decoded
// at rate) and hand each key to onKey.
func (m *audioPath) listenForTones(rate int, onKey func(rune)) {
	m.tones, m.onKey = dtmf.New(rate), onKey
}

// fill decodes packets from j into pcm until it holds a frame; ready is false
// while the jitter buffer is still filling.
func fill(j *jitterBuffer, dec codec.Decoder, pcm []int16, frame int, scratch []int16) ([]int16, bool, error) {
	for len(pcm) < frame {
		p, ready := j.Pop()
		if !ready {
			return pcm, false, nil
		}
		var n int
		var err error
		if p == nil {
			n, err = dec.Conceal(scratch)
		} else {
			n, err = dec.Decode(p.Payload, scratch)
		}
		if err != nil {
			// A payload the decoder refuses is concealed: one bad packet is no reason to stop.
			if n, err = dec.Conceal(scratch); err != nil {
				return pcm, false, err
			}
		}
		pcm = append(pcm, scratch[:n]...)
	}
	return pcm, true, nil
}

// up moves one frame of the caller's voice into the room (or drops it while
// the call has no room yet: the gateway is asking for the meeting number).
func (m *audioPath) up(mic *client.LocalTrack) error {
	var ready bool
	var err error
	m.upPCM, ready, err = fill(m.upJitter, m.upDec, m.upPCM, m.frame, m.scratch)
	if err != nil {
		return err
	}
	if !ready {
		return errNoFrame
	}
	frame := m.upPCM[:m.frame]
	m.upPCM = m.upPCM[m.frame:]
	if m.tones != nil {
		for _, k := range m.tones.Feed(frame) {
			m.onKey(k)
		}
	}
	if mic == nil {
		return nil
	}
	level := audioLevel(frame)
	m.level.Store(uint32(level))
	m.voice.Store(level <= voiceLevel)
	payload, err := m.upEnc.Encode(frame)
	if err != nil {
		return err
	}
	if err := mic.WriteSample(0, media.Sample{Data: payload, Duration: codec.FrameMillis * time.Millisecond}); err != nil {
		return fmt.Errorf("sip: write to the room: %w", err)
	}
	return nil
}

// addSource starts hearing a room track; its packets come through push.
func (m *audioPath) addSource(trackSID string) (*roomSource, error) {
	dec, err := codec.NewOpusDecoder(m.leg.PCMRate)
	if err != nil {
		return nil, err
	}
	s := &roomSource{jitter: newJitterBuffer(m.depth), dec: dec}
	m.mu.Lock()
	m.sources[trackSID] = s
	m.mu.Unlock()
	return s, nil
}

func (m *audioPath) removeSource(trackSID string) {
	m.mu.Lock()
	s := m.sources[trackSID]
	delete(m.sources, trackSID)
	m.mu.Unlock()
	if s != nil {
		s.dec.Close()
	}
}

// down mixes one frame of the room and returns it as an RTP packet for the far
// end (silence when nobody speaks: a SIP phone expects a steady stream).
func (m *audioPath) down() []byte {
	m.mu.Lock()
	voices := make([]voice, 0, len(m.sources))
	for _, s := range m.sources {
		var ready bool
		var err error
		s.pcm, ready, err = fill(s.jitter, s.dec, s.pcm, m.frame, m.scratch)
		if err != nil || !ready {
			continue
		}
		frame := append([]int16(nil), s.pcm[:m.frame]...)
		s.pcm = append(s.pcm[:0], s.pcm[m.frame:]...)
		voices = append(voices, voice{pcm: frame, energy: frameEnergy(frame)})
	}
	prompt := m.prompt
	m.mu.Unlock()
	mix(m.out, voices)
	if prompt != nil {
		prompt.next(m.out)
	}
	payload, err := m.downEnc.Encode(m.out)
	if err != nil {
		return nil
	}
	p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: m.pt, SequenceNumber: m.seq, Timestamp: m.ts, SSRC: m.ssrc, Marker: !m.started}, Payload: payload}
	m.started = true
	m.seq++
	m.ts += m.leg.FrameTicks()
	b, err := p.Marshal()
	if err != nil {
		return nil
	}
	return b
}

func (m *audioPath) close() {
	if m.upDec != nil {
		m.upDec.Close()
	}
	if m.upEnc != nil {
		m.upEnc.Close()
	}
	if m.downEnc != nil {
		m.downEnc.Close()
	}
	m.mu.Lock()
	for sid, s := range m.sources {
		s.dec.Close()
		delete(m.sources, sid)
	}
	m.mu.Unlock()
}

// playback is a prompt being played to the caller, frame by frame.
type playback struct {
	pcm  []int16
	loop []int16       // played again once pcm ran out (the lobby's waiting tone); nil: once
	done chan struct{} // closed once it was all sent (or replaced)
	once sync.Once
}

func (p *playback) finish() { p.once.Do(func() { close(p.done) }) }

// next writes the next frame of the prompt into out (silence past its end).
func (p *playback) next(out []int16) {
	n := copy(out, p.pcm)
	clear(out[n:])
	p.pcm = p.pcm[n:]
	switch {
	case len(p.pcm) > 0:
	case p.loop != nil:
		p.pcm = p.loop
	default:
		p.finish()
	}
}

// play starts playing pcm to the caller instead of the room, replacing a
// prompt still playing; the channel closes when it has all been sent.
func (m *audioPath) play(pcm []int16) <-chan struct{} {
	p := &playback{pcm: pcm, done: make(chan struct{})}
	m.mu.Lock()
	old := m.prompt
	m.prompt = p
	m.mu.Unlock()
	if old != nil {
		old.finish()
	}
	return p.done
}

// stopPrompt ends the prompt playing, if any: the room is heard again.
func (m *audioPath) stopPrompt() {
	m.mu.Lock()
	old := m.prompt
	m.prompt = nil
	m.mu.Unlock()
	if old != nil {
		old.finish()
	}
}
