package protocol

import (
	"errors"
	"slices"
	"testing"
)

func TestAddTrackBackupIsValidatedPrecisely(t *testing.T) {
	const head = `{"type":"add_track","req_id":5,"data":{"cid":"c2",`
	ok := head + `"kind":"video","source":"camera","backup_of":"TR_1","mime_type":"video/H264"}}`
	msg, err := DecodeClient([]byte(ok))
	if err != nil {
		t.Fatalf("a valid backup: %v", err)
	}
	if req := msg.Body.(AddTrackRequest); req.BackupOf != "TR_1" || req.MimeType != "video/H264" {
		t.Fatalf("decoded as %+v", req)
	}
	for _, tc := range []struct{ data, want string }{
		{`"kind":"video","source":"camera","mime_type":"video/H264"}}`, "mime_type is only declared for a backup (with backup_of)"},
		{`"kind":"video","source":"camera","backup_of":"TR_1"}}`, "mime_type is required with backup_of (the backup's codec, such as video/H264)"},
		{`"kind":"audio","source":"microphone","backup_of":"TR_1","mime_type":"video/H264"}}`, "backup_of: only a video track is a backup, not audio"},
		{`"kind":"video","source":"camera","backup_of":"TR_1","mime_type":"video/H265"}}`, `mime_type "video/H265" is not one of video/VP8, video/H264, video/VP9, video/AV1`},
		{`"kind":"video","source":"camera","backup_of":"TR_1","mime_type":"video/H264","layers":[{"quality":"low"},{"quality":"high"}]}}`, "backup_of: a backup is one stream, without simulcast layers"},
		{`"kind":"video","source":"camera","backup_of":"TR_1","mime_type":"video/H264","owner":{"identity":"ada"}}}`, "backup_of: a relay's track is not a backup"},
	} {
		_, err := DecodeClient([]byte(head + tc.data))
		var de *DecodeError
		if !errors.As(err, &de) || de.Code != CodeInvalidArgument || de.Message != "add_track: "+tc.want || de.ReqID != 5 {
			t.Errorf("add_track {%s: err = %v, want invalid_argument %q", tc.data, err, tc.want)
		}
	}
}

func TestParseVideoCodecs(t *testing.T) {
	got, err := ParseVideoCodecs("video/h264, VIDEO/VP8,video/H264")
	if err != nil || !slices.Equal(got, []string{"video/H264", "video/VP8"}) {
		t.Fatalf("ParseVideoCodecs = %v, %v", got, err)
	}
	if got, err := ParseVideoCodecs(""); err != nil || got == nil || len(got) != 0 {
		t.Fatalf(`ParseVideoCodecs("") = %#v, %v; want an empty list (no video)`, got, err)
	}
	_, err = ParseVideoCodecs("video/H264,h263")
	var de *DecodeError
	if !errors.As(err, &de) || de.Message != `video_codecs[1] "h263" is not one of video/VP8, video/H264, video/VP9, video/AV1` {
		t.Fatalf("ParseVideoCodecs(h263) = %v", err)
	}
}

func TestPublisherBackupRoundTrip(t *testing.T) {
	b, err := Encode(TypePublisherBackup, 0, PublisherBackupEvent{TrackSID: "TR_1", MimeType: "video/h264", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"type":"publisher_backup","data":{"track_sid":"TR_1","mime_type":"video/h264","enabled":true}}` {
		t.Fatalf("encoded as %s", b)
	}
	msg, err := DecodeServer(b)
	if err != nil {
		t.Fatal(err)
	}
	if got := msg.Body.(PublisherBackupEvent); got != (PublisherBackupEvent{TrackSID: "TR_1", MimeType: "video/h264", Enabled: true}) {
		t.Fatalf("decoded as %+v", got)
	}
}
