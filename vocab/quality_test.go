package vocab

import (
	"errors"
	"testing"
)

func TestQualityNamesRoundTrip(t *testing.T) {
	for _, q := range Qualities() {
		got, err := ParseQuality(q.String())
		if err != nil || got != q {
			t.Errorf("ParseQuality(%q) = %v, %v; want %v", q.String(), got, err, q)
		}
	}
	if QualityLow >= QualityMedium || QualityMedium >= QualityHigh {
		t.Error("qualities must rank lowest first")
	}
}

func TestParseQualityRefusesUnknownNames(t *testing.T) {
	for _, name := range []string{"", "ultra", "Low", "HIGH", "2"} {
		if _, err := ParseQuality(name); !errors.Is(err, ErrUnknownQuality) {
			t.Errorf("ParseQuality(%q): err %v, want ErrUnknownQuality", name, err)
		}
	}
	if Quality(3).Valid() {
		t.Error("Quality(3) must not be valid")
	}
}

func TestSourceKind(t *testing.T) {
	for src, want := range map[Source]Kind{SourceCamera: KindVideo, SourceScreenShare: KindVideo, SourceMicrophone: KindAudio, SourceScreenShareAudio: KindAudio, "webcam": ""} {
		if got := src.Kind(); got != want {
			t.Errorf("%q.Kind() = %q, want %q", src, got, want)
		}
	}
}

func TestParticipantKind(t *testing.T) {
	if ParticipantKind("").OrStandard() != ParticipantStandard || !ParticipantKind("").Valid() {
		t.Error("the empty kind must read as standard")
	}
	for _, k := range []ParticipantKind{ParticipantStandard, ParticipantRecorder, ParticipantSIP, ParticipantAgent, ParticipantIngress} {
		if !k.Valid() {
			t.Errorf("%q must be valid", k)
		}
	}
	if ParticipantKind("robot").Valid() {
		t.Error(`"robot" must not be a valid kind`)
	}
}
