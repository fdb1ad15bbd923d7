package sip

import (
	"strings"
	"testing"
)

// A call's video is protected as its audio is: SRTP audio takes an
// RTP/SAVP(F) video line with a usable a=crypto (answered with a key of
// the bridge's own under the offered tag), and refuses video in clear;
// plain audio refuses SRTP video; a video line whose keys are unusable or
// malformed is refused (port 0) while the audio goes on.
func TestVideoProtectedAsTheAudio(t *testing.T) {
	const h264 = "a=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1;profile-level-id=42e01f\r\n"
	head := "v=0\r\no=- 1 1 IN IP4 192.0.2.2\r\ns=-\r\nc=IN IP4 192.0.2.2\r\nt=0 0\r\n"
	srtpAudio := "m=audio 4000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + "\r\n"
	plainAudio := "m=audio 4000 RTP/AVP 0\r\n"
	videoKey := "a=crypto:3 AES_CM_128_HMAC_SHA1_32 inline:" + key30 + "\r\n"

	for _, proto := range []string{"RTP/SAVP", "RTP/SAVPF"} {
		o, err := parseOffer([]byte(head + srtpAudio + "m=video 4002 " + proto + " 96\r\n" + h264 + videoKey))
		if err != nil {
			t.Fatal(err)
		}
		if o.video == nil || o.video.crypto == nil || o.video.crypto.tag != 3 || o.video.crypto.suite != "AES_CM_128_HMAC_SHA1_32" {
			t.Fatalf("%s: video %+v, want taken with tag 3", proto, o.video)
		}
		// the call keys it (secureVideo); the answer carries our key
		leg, err := newSRTPLeg(o.video.crypto)
		if err != nil {
			t.Fatal(err)
		}
		o.video.answerCrypto = &leg.local
		o.answerCrypto = &leg.local
		_, sd := answerOfOffer(t, o)
		m := sd.MediaDescriptions[1]
		if m.MediaName.Port.Value != 30000 || strings.Join(m.MediaName.Protos, "/") != proto {
			t.Fatalf("%s: video answered %+v", proto, m.MediaName)
		}
		if c := attr(m, "crypto"); len(c) != 1 || !strings.HasPrefix(c[0], "3 AES_CM_128_HMAC_SHA1_32 inline:") || strings.Contains(c[0], key30) {
			t.Fatalf("%s: video answer's crypto %q, want tag 3 with a key of ours", proto, c)
		}
	}

	for name, body := range map[string]string{
		"SRTP audio, video in clear":  srtpAudio + "m=video 4002 RTP/AVP 96\r\n" + h264,
		"plain audio, SRTP video":     plainAudio + "m=video 4002 RTP/SAVP 96\r\n" + h264 + videoKey,
		"SRTP video without a=crypto": srtpAudio + "m=video 4002 RTP/SAVP 96\r\n" + h264,
		"SRTP video, unknown suite":   srtpAudio + "m=video 4002 RTP/SAVP 96\r\n" + h264 + "a=crypto:1 NULL_HMAC inline:" + key30 + "\r\n",
		"SRTP video, bad key":         srtpAudio + "m=video 4002 RTP/SAVP 96\r\n" + h264 + "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:!!\r\n",
	} {
		o, err := parseOffer([]byte(head + body))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if o.video != nil {
			t.Fatalf("%s: took the video %+v", name, o.video)
		}
	}
}
