package sip

import (
	"testing"

	"github.com/pion/rtp"

	"github.com/ensemble-sfu/ensemble/sip/internal/codec"
	"github.com/ensemble-sfu/ensemble/sip/internal/tone"
)

// BenchmarkCallAudioFrame is the audio work of one call for one 20 ms frame:
// the caller's frame decoded from the leg's codec and encoded to Opus for the
// room, and three room speakers decoded from Opus, mixed and encoded for the
// leg. 20 ms divided by the time per frame is how many calls one core's codec
// work allows (WebRTC's SRTP and the SIP signalling come on top).
func BenchmarkCallAudioFrame(b *testing.B) {
	for _, leg := range codec.All {
		b.Run(leg.Name, func(b *testing.B) {
			m, err := newAudioPath(leg, 1)
			if err != nil {
				b.Fatal(err)
			}
			defer m.close()
			legEnc, _ := codec.NewEncoder(leg)
			defer legEnc.Close()
			roomEnc, _ := codec.NewOpusEncoder(48000)
			defer roomEnc.Close()
			caller := &tone.Sine{Freq: 1000, Rate: float64(leg.PCMRate), Amplitude: 8000}
			var sources []*roomSource
			var voices []*tone.Sine
			for i := range 3 {
				s, err := m.addSource(string(rune('a' + i)))
				if err != nil {
					b.Fatal(err)
				}
				sources = append(sources, s)
				voices = append(voices, &tone.Sine{Freq: 300 + 200*float64(i), Rate: 48000, Amplitude: 5000})
			}
			// Encoded input prepared outside the timed loop: what arrives from the network.
			const frames = 50
			legPayloads := make([][]byte, frames)
			roomPayloads := make([][][]byte, frames)
			for f := range frames {
				legPayloads[f], _ = legEnc.Encode(caller.Next(leg.FrameSamples()))
				for _, v := range voices {
					p, _ := roomEnc.Encode(v.Next(960))
					roomPayloads[f] = append(roomPayloads[f], p)
				}
			}
			b.ResetTimer()
			for i := range b.N {
				f := i % frames
				seq := uint16(i)
				m.upJitter.Push(&rtp.Packet{Header: rtp.Header{SequenceNumber: seq}, Payload: legPayloads[f]})
				for k, s := range sources {
					s.jitter.Push(&rtp.Packet{Header: rtp.Header{SequenceNumber: seq}, Payload: roomPayloads[f][k]})
				}
				var ready bool
				m.upPCM, ready, _ = fill(m.upJitter, m.upDec, m.upPCM, m.frame, m.scratch)
				if ready {
					if _, err := m.upEnc.Encode(m.upPCM[:m.frame]); err != nil {
						b.Fatal(err)
					}
					m.upPCM = m.upPCM[m.frame:]
				}
				if m.down() == nil {
					b.Fatal("no packet for the leg")
				}
			}
			b.ReportMetric(float64(20e6)/(float64(b.Elapsed().Nanoseconds())/float64(b.N)), "calls/core")
		})
	}
}
