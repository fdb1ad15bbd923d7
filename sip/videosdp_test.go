package sip

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/pion/sdp/v3"
)

// baresipOffer is baresip 1.0's offer with its avcodec module (H.264 in
// packetization modes 0 and 1, H.263, MPEG-4, H.265), as it dials in.
const baresipOffer = "v=0\r\no=- 1 1 IN IP4 192.0.2.2\r\ns=-\r\nc=IN IP4 192.0.2.2\r\nt=0 0\r\n" +
	"m=audio 26554 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=sendrecv\r\n" +
	"m=video 26734 RTP/AVP 96 97 34 98 99\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=0;profile-level-id=42e01f\r\n" +
	"a=rtpmap:97 H264/90000\r\na=fmtp:97 packetization-mode=1;profile-level-id=42e01f\r\na=rtpmap:98 MP4V-ES/90000\r\n" +
	"a=rtpmap:99 H265/90000\r\na=sendrecv\r\na=rtcp-fb:* nack pli\r\n"

// answerOf parses the offer, gives its video a local port, and returns the
// offer and its answer parsed.
func answerOf(t *testing.T, body string) (*offer, *sdp.SessionDescription) {
	t.Helper()
	o, err := parseOffer([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return answerOfOffer(t, o)
}

// answerOfOffer gives the offer's video a local port and returns the offer
// and its answer parsed.
func answerOfOffer(t *testing.T, o *offer) (*offer, *sdp.SessionDescription) {
	t.Helper()
	o.videoLocal = netip.MustParseAddrPort("127.0.0.1:30000")
	b, err := o.answer(netip.MustParseAddrPort("127.0.0.1:20000"), 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	var sd sdp.SessionDescription
	if err := sd.Unmarshal(b); err != nil {
		t.Fatalf("answer: %v\n%s", err, b)
	}
	return o, &sd
}

func attr(m *sdp.MediaDescription, key string) []string {
	var out []string
	for _, a := range m.Attributes {
		if a.Key == key {
			out = append(out, a.Value)
		}
	}
	return out
}

func TestVideoOfferTakesH264InPacketizationModeOne(t *testing.T) {
	o, sd := answerOf(t, baresipOffer)
	if o.video == nil || o.video.payloadType != 97 || o.video.roomProfile != "42e01f" || !o.video.pli || o.video.fir {
		t.Fatalf("video taken: %+v", o.video)
	}
	if o.video.remote != netip.MustParseAddrPort("192.0.2.2:26734") || o.video.rtcpRemote != netip.MustParseAddrPort("192.0.2.2:26735") {
		t.Fatalf("video RTP to %s, RTCP to %s", o.video.remote, o.video.rtcpRemote)
	}
	if len(sd.MediaDescriptions) != 2 {
		t.Fatalf("%d m= lines answered", len(sd.MediaDescriptions))
	}
	v := sd.MediaDescriptions[1]
	if v.MediaName.Port.Value != 30000 || !slices.Equal(v.MediaName.Formats, []string{"97"}) {
		t.Fatalf("video answered as %+v", v.MediaName)
	}
	if got := attr(v, "fmtp"); !slices.Equal(got, []string{"97 profile-level-id=42e01f;packetization-mode=1"}) {
		t.Fatalf("fmtp %q", got)
	}
	if got := attr(v, "rtcp-fb"); !slices.Equal(got, []string{"97 nack pli"}) {
		t.Fatalf("rtcp-fb %q", got)
	}
	if got := attr(v, "rtcp"); !slices.Equal(got, []string{"30000"}) {
		t.Fatalf("rtcp %q, want the video port (RFC 3605)", got)
	}
	if _, ok := v.Attribute("sendrecv"); !ok {
		t.Fatal("the video answer is not sendrecv")
	}
	if sd.MediaDescriptions[0].MediaName.Port.Value != 20000 {
		t.Fatal("the audio is not answered")
	}
}

// Video the bridge cannot take has its m= line refused (port 0) and the call
// goes on with audio.
func TestVideoOfferRefusedWhenNotCarried(t *testing.T) {
	head := "v=0\r\no=- 1 1 IN IP4 192.0.2.2\r\ns=-\r\nc=IN IP4 192.0.2.2\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"
	for name, video := range map[string]string{
		"mode 0 only":   "m=video 4002 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=0;profile-level-id=42e01f\r\n",
		"no fmtp":       "m=video 4002 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n",
		"VP8":           "m=video 4002 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n",
		"H.264 high 10": "m=video 4002 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1;profile-level-id=6e001f\r\n",
		"bad plid":      "m=video 4002 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1;profile-level-id=zz\r\n",
		"DTLS":          "m=video 4002 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			o, sd := answerOf(t, head+video)
			if o.video != nil {
				t.Fatalf("took %+v", o.video)
			}
			if p := sd.MediaDescriptions[1].MediaName.Port.Value; p != 0 {
				t.Fatalf("video answered on port %d, want 0", p)
			}
			if sd.MediaDescriptions[0].MediaName.Port.Value != 20000 {
				t.Fatal("the audio is not answered")
			}
		})
	}
}

func TestRoomH264Profile(t *testing.T) {
	for plid, want := range map[string]string{
		"42e01f": "42e01f", "42c015": "42e01f", "4d8028": "42e01f", "42001f": "42001f", "420028": "42001f",
		"4d0032": "4d001f", "640028": "64001f", "6e001f": "", "f4001f": "", "42e0": "", "42e01g": "",
	} {
		got, ok := roomH264Profile(plid)
		if got != want || ok != (want != "") {
			t.Errorf("roomH264Profile(%q) = %q, %v; want %q", plid, got, ok, want)
		}
	}
}

// FuzzVideoOffer feeds offers with video: a video stream taken is H.264 in a
// profile the room carries, on another m= line than the audio, protected as
// the audio is, and its answer offers back the same payload type and
// profile in mode 1 (with a key of ours when it is SRTP).
func FuzzVideoOffer(f *testing.F) {
	f.Add([]byte(baresipOffer))
	f.Fuzz(func(t *testing.T, body []byte) {
		o, err := parseOffer(body)
		if err != nil {
			return
		}
		v := o.video
		if v == nil {
			return
		}
		if (v.crypto == nil) != (o.crypto == nil) {
			t.Fatalf("video crypto %+v beside audio crypto %+v", v.crypto, o.crypto)
		}
		if o.crypto != nil {
			for _, c := range []**cryptoAttr{&o.answerCrypto, &v.answerCrypto} {
				remote := o.crypto
				if c == &v.answerCrypto {
					remote = v.crypto
				}
				leg, err := newSRTPLeg(remote)
				if err != nil {
					return // keys that parse but make no context: refused at the call
				}
				*c = &leg.local
			}
		}
		if v.index == o.audioIndex || v.index < 0 || v.index >= len(o.media) || v.payloadType < 96 || v.payloadType > 127 ||
			!slices.Contains([]string{"42e01f", "42001f", "4d001f", "64001f"}, v.roomProfile) || !v.remote.IsValid() {
			t.Fatalf("video taken: %+v", v)
		}
		o.videoLocal = netip.MustParseAddrPort("127.0.0.1:30000")
		ans, err := o.answer(netip.MustParseAddrPort("127.0.0.1:20000"), 1, 1)
		if err != nil {
			t.Fatalf("answer: %v", err)
		}
		back, err := parseOffer(ans)
		if err != nil {
			t.Fatalf("our answer does not parse: %v\n%s", err, ans)
		}
		if back.video == nil || back.video.payloadType != v.payloadType || back.video.roomProfile != v.roomProfile ||
			(v.crypto != nil && (back.video.crypto == nil || back.video.crypto.tag != v.crypto.tag)) ||
			!strings.Contains(string(ans), "packetization-mode=1") {
			t.Fatalf("answer's video %+v, offer's %+v\n%s", back.video, v, ans)
		}
	})
}
