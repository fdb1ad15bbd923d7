package protocol

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// The wire shapes must stay byte for byte what browsers, webhook receivers and API
// clients read (they were the JSON tags of the sfu structs before package vocab;
// participants have since gained "kind").
func TestInfoWireShapes(t *testing.T) {
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	track := vocab.TrackInfo{
		SID: "TR_1", Name: "camera", Kind: vocab.KindVideo, Source: vocab.SourceCamera, MimeType: "video/VP8",
		Width: 1280, Height: 720, Simulcast: true,
		Layers: []vocab.LayerInfo{{RID: "q", Quality: vocab.QualityLow, Width: 320, Height: 180, Bitrate: 150000}, {RID: "f", Quality: vocab.QualityHigh}},
	}
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"track", FromTrack(track), `{"sid":"TR_1","name":"camera","kind":"video","source":"camera","mime_type":"video/vp8","muted":false,"width":1280,"height":720,"simulcast":true,"layers":[{"rid":"q","quality":"low","width":320,"height":180,"bitrate":150000},{"rid":"f","quality":"high"}]}`},
		{"bare track", FromTrack(vocab.TrackInfo{SID: "TR_2", Muted: true}), `{"sid":"TR_2","kind":"","source":"","muted":true,"simulcast":false}`},
		{"participant", FromParticipant(vocab.ParticipantInfo{SID: "PA_1", Identity: "ada", Name: "Ada", Metadata: "{}", JoinedAt: at, Kind: vocab.ParticipantRecorder, Hidden: true, Tracks: []vocab.TrackInfo{}}),
			`{"sid":"PA_1","identity":"ada","name":"Ada","metadata":"{}","joined_at":"2026-11-30T09:00:00Z","kind":"recorder","hidden":true,"tracks":[]}`},
		{"participant without tracks", FromParticipant(vocab.ParticipantInfo{SID: "PA_2", Identity: "bob", JoinedAt: at}),
			`{"sid":"PA_2","identity":"bob","joined_at":"2026-11-30T09:00:00Z","kind":"standard","tracks":null}`},
		{"sip participant", FromParticipant(vocab.ParticipantInfo{SID: "PA_3", Identity: "sip-4477", Name: "+33 1 23 45 67 89", JoinedAt: at, Kind: vocab.ParticipantSIP}),
			`{"sid":"PA_3","identity":"sip-4477","name":"+33 1 23 45 67 89","joined_at":"2026-11-30T09:00:00Z","kind":"sip","tracks":null}`},
		{"room", FromRoom(vocab.RoomInfo{SID: "RM_1", Name: "standup", CreatedAt: at, MaxParticipants: 10, NumParticipants: 2}),
			`{"sid":"RM_1","name":"standup","created_at":"2026-11-30T09:00:00Z","max_participants":10,"num_participants":2,"recording":false}`},
		{"speakers", FromSpeakers([]vocab.SpeakerInfo{{ParticipantSID: "PA_1", Level: 0.5, Active: true}}), `[{"sid":"PA_1","level":0.5,"active":true}]`},
		{"no speakers", FromSpeakers(nil), `null`},
		{"connection quality", FromConnectionQualities([]vocab.ConnectionQualityInfo{{ParticipantSID: "PA_1", Quality: vocab.QualityGood, Score: 4}}), `[{"sid":"PA_1","quality":"good","score":4}]`},
		{"update subscription without quality", UpdateSubscriptionRequest{TrackSID: "TR_1", Quality: OptionalQualityName(nil)}, `{"track_sid":"TR_1","paused":false}`},
		{"update subscription to low", UpdateSubscriptionRequest{TrackSID: "TR_1", Quality: OptionalQualityName(new(vocab.QualityLow))}, `{"track_sid":"TR_1","paused":false,"quality":"low"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(tc.v)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tc.want {
				t.Errorf("got  %s\nwant %s", b, tc.want)
			}
		})
	}
}

// What is sent reads back as it was described.
func TestInfoRoundTrip(t *testing.T) {
	in := vocab.ParticipantInfo{SID: "PA_1", Identity: "ada", JoinedAt: time.Unix(1e9, 0).UTC(), Tracks: []vocab.TrackInfo{{
		SID: "TR_1", Kind: vocab.KindVideo, Source: vocab.SourceScreenShare, Simulcast: true,
		Layers: []vocab.LayerInfo{{Quality: vocab.QualityLow}, {Quality: vocab.QualityMedium}, {Quality: vocab.QualityHigh}},
	}}}
	b, err := json.Marshal(FromParticipant(in))
	if err != nil {
		t.Fatal(err)
	}
	var wire ParticipantInfo
	if err := json.Unmarshal(b, &wire); err != nil {
		t.Fatal(err)
	}
	out := wire.Vocab()
	for i, l := range out.Tracks[0].Layers {
		if l.Quality != in.Tracks[0].Layers[i].Quality {
			t.Errorf("layer %d: quality %s, want %s", i, l.Quality, in.Tracks[0].Layers[i].Quality)
		}
	}
	if out.Identity != in.Identity || !out.JoinedAt.Equal(in.JoinedAt) || out.Tracks[0].Source != vocab.SourceScreenShare {
		t.Errorf("read back %+v, want %+v", out, in)
	}
}
