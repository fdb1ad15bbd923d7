package client

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ensemble-sfu/ensemble/vocab"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// RemoteTrack is a track of another participant that the client receives: read
// its packets with ReadPacket (or drop them with Discard), map their timestamps
// to wall-clock time with SenderReport, ask for a key frame with RequestKeyframe.
type RemoteTrack struct {
	// ParticipantSID is the publisher's SID, TrackSID the track's (the server sets
	// them as the WebRTC stream id and track id).
	ParticipantSID string
	TrackSID       string
	// LayerOnly is set for a relay's stream of one simulcast layer (below the
	// top one) of the track TrackSID: the server sends a relay each layer of a
	// simulcast track on a stream of its own (vocab.LayerTrackID), the top one
	// under the track's SID. Layer is that stream's quality.
	LayerOnly bool
	Layer     vocab.Quality
	// Track and Receiver are Pion's, for what this type does not cover.
	Track    *webrtc.TrackRemote
	Receiver *webrtc.RTPReceiver

	c       *Client
	codec   webrtc.RTPCodecParameters
	eventPT int // -1: no telephone-event negotiated

	mu   sync.Mutex
	info vocab.TrackInfo
	sr   *SenderReport
}

// Packet is one received RTP packet and when it arrived: when Pion handed it
// over, which is its arrival on the socket as long as the reader keeps up.
type Packet struct {
	*rtp.Packet
	Arrival time.Time
}

// SenderReport is the last RTCP sender report of a received track: the
// publisher's (or the server's) statement that RTPTime, in the timestamps the
// client receives, is the instant NTPTime. With the reports of the other tracks of
// the same participant it lines up their media on one clock (audio-video sync).
type SenderReport struct {
	NTPTime   time.Time // wall-clock time of the report's sender
	RTPTime   uint32    // the track's RTP timestamp at NTPTime
	Packets   uint32    // packets sent so far on the track
	Octets    uint32    // payload octets sent so far
	ClockRate uint32    // the codec's RTP clock rate
	Arrival   time.Time // when the client received the report
}

// Time maps an RTP timestamp of the track to the sender's wall clock. Timestamps
// within half the RTP range (about 6 h of video, 12 h of 48 kHz audio) around
// the report map correctly across wrap-around.
func (sr SenderReport) Time(ts uint32) time.Time {
	if sr.ClockRate == 0 {
		return sr.NTPTime
	}
	ticks := int64(int32(ts - sr.RTPTime))
	return sr.NTPTime.Add(time.Duration(ticks * int64(time.Second) / int64(sr.ClockRate)))
}

// Info describes the track (source, codec, simulcast layers) as the server last
// announced it.
func (t *RemoteTrack) Info() vocab.TrackInfo {
	if p, ok := t.c.otherBySID(t.ParticipantSID); ok {
		for _, ti := range p.Tracks {
			if ti.SID == t.TrackSID {
				t.mu.Lock()
				t.info = ti
				t.mu.Unlock()
				return ti
			}
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.info
}

// Participant is the publisher as the server last described it (false once it left).
func (t *RemoteTrack) Participant() (vocab.ParticipantInfo, bool) {
	return t.c.otherBySID(t.ParticipantSID)
}

// Kind is audio or video.
func (t *RemoteTrack) Kind() vocab.Kind {
	if t.Track.Kind() == webrtc.RTPCodecTypeAudio {
		return vocab.KindAudio
	}
	return vocab.KindVideo
}

// Codec is the codec the track arrives in (for audio, not telephone-event: see
// IsTelephoneEvent).
func (t *RemoteTrack) Codec() webrtc.RTPCodecParameters { return t.codec }

// IsTelephoneEvent reports whether p is an RFC 4733 telephone event (DTMF) rather
// than media of the track's codec.
func (t *RemoteTrack) IsTelephoneEvent(p *rtp.Packet) bool {
	return t.eventPT >= 0 && int(p.PayloadType) == t.eventPT
}

// ReadPacket reads the next packet (blocks; fails once the track ends).
func (t *RemoteTrack) ReadPacket() (Packet, error) {
	p, _, err := t.Track.ReadRTP()
	if err != nil {
		return Packet{}, err
	}
	return Packet{Packet: p, Arrival: time.Now()}, nil
}

// ReadRTP reads the next packet without its arrival time.
func (t *RemoteTrack) ReadRTP() (*rtp.Packet, error) {
	p, _, err := t.Track.ReadRTP()
	return p, err
}

// SenderReport returns the last sender report received for the track (false
// before the first, which comes within a few seconds of the first packet).
func (t *RemoteTrack) SenderReport() (SenderReport, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.sr == nil {
		return SenderReport{}, false
	}
	return *t.sr, true
}

// RequestKeyframe asks the publisher for a key frame of this video track (an
// RTCP PLI, which the server passes upstream at most twice a second per layer).
// A recorder calls it when it starts, or when it lost the picture.
func (t *RemoteTrack) RequestKeyframe() error {
	if t.Track.Kind() != webrtc.RTPCodecTypeVideo {
		return fmt.Errorf("%w: key frame of an audio track", ErrInvalidOptions)
	}
	err := t.c.subPC().WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: uint32(t.Track.SSRC())}})
	if err != nil {
		return fmt.Errorf("client: request keyframe: %w", err)
	}
	return nil
}

// Discard reads and drops the track's media until it ends, for consumers that do
// not want it; the goroutine ends with the track.
func (t *RemoteTrack) Discard() {
	go func() {
		buf := make([]byte, 1500)
		for {
			if _, _, err := t.Track.Read(buf); err != nil {
				return
			}
		}
	}()
}

// readRTCP keeps the track's last sender report until the receiver stops.
func (t *RemoteTrack) readRTCP() {
	ssrc := uint32(t.Track.SSRC())
	for {
		pkts, _, err := t.Receiver.ReadRTCP()
		if err != nil {
			return
		}
		now := time.Now()
		for _, p := range pkts {
			sr, ok := p.(*rtcp.SenderReport)
			if !ok || sr.SSRC != ssrc {
				continue
			}
			t.mu.Lock()
			t.sr = &SenderReport{
				NTPTime: ntpTime(sr.NTPTime), RTPTime: sr.RTPTime, Packets: sr.PacketCount,
				Octets: sr.OctetCount, ClockRate: t.codec.ClockRate, Arrival: now,
			}
			t.mu.Unlock()
		}
	}
}

// ntpTime converts a 64-bit NTP timestamp (seconds since 1900, 32.32 fixed point).
func ntpTime(ntp uint64) time.Time {
	const ntpEpochOffset = 2208988800 // seconds from 1900 to 1970
	sec := int64(ntp>>32) - ntpEpochOffset
	frac := int64((ntp & 0xffffffff) * uint64(time.Second) >> 32)
	return time.Unix(sec, frac)
}

// newRemoteTrack describes a track that arrived on the subscriber connection.
func (c *Client) newRemoteTrack(tr *webrtc.TrackRemote, recv *webrtc.RTPReceiver) *RemoteTrack {
	rt := &RemoteTrack{ParticipantSID: tr.StreamID(), TrackSID: tr.ID(), Track: tr, Receiver: recv, c: c, eventPT: -1}
	rt.TrackSID, rt.Layer, rt.LayerOnly = vocab.ParseLayerTrackID(tr.ID())
	rt.codec = tr.Codec()
	codecs := recv.GetParameters().Codecs
	if strings.EqualFold(rt.codec.MimeType, MimeTypeTelephoneEvent) {
		// The first packet was an event: the media codec is the other one.
		for _, cd := range codecs {
			if !strings.EqualFold(cd.MimeType, MimeTypeTelephoneEvent) {
				rt.codec = cd
				break
			}
		}
	}
	for _, cd := range codecs {
		if strings.EqualFold(cd.MimeType, MimeTypeTelephoneEvent) && cd.ClockRate == rt.codec.ClockRate {
			rt.eventPT = int(cd.PayloadType)
		}
	}
	rt.info = rt.Info()
	return rt
}

func (c *Client) onTrack(tr *webrtc.TrackRemote, recv *webrtc.RTPReceiver) {
	rt := c.newRemoteTrack(tr, recv)
	c.mu.Lock()
	closed := c.closed
	if !closed {
		c.remote[tr.ID()] = rt // a layer stream under its own id
	}
	c.mu.Unlock()
	if closed {
		return
	}
	c.goTracked(rt.readRTCP)
	c.log.Debug("track subscribed", "publisher", rt.ParticipantSID, "track", rt.TrackSID, "codec", rt.codec.MimeType)
	c.events.push(TrackSubscribed{Track: rt})
}
