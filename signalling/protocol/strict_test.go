package protocol

import (
	"errors"
	"strings"
	"testing"
)

// What encoding/json would accept and a careful server refuses: each with its code
// and a message that names the fault.
func TestDecodeClientRefusesLooseInput(t *testing.T) {
	hugeName := strings.Repeat("\x00\r\n", 10_000) // 30 KB of NUL/CR/LF as a track name
	tests := []struct {
		name, in, code, mention string
	}{
		{"duplicate envelope key", `{"type":"mute","type":"leave","data":{"track_sid":"TR_1"}}`, CodeMalformedMessage, `duplicate key "type"`},
		{"duplicate data key", `{"type":"mute","req_id":1,"data":{"track_sid":"TR_1","muted":true,"muted":false}}`, CodeMalformedMessage, `duplicate key "muted"`},
		{"data key matched by case", `{"type":"mute","data":{"track_sid":"TR_1","MUTED":true}}`, CodeMalformedMessage, `case-sensitive`},
		{"envelope key matched by case", `{"TYPE":"leave"}`, CodeMalformedMessage, `case-sensitive`},
		{"invalid UTF-8", "{\"type\":\"update_metadata\",\"data\":{\"name\":\"A\xffnn\"}}", CodeMalformedMessage, "UTF-8"},
		{"lone surrogate", `{"type":"update_metadata","data":{"name":"A\ud800"}}`, CodeMalformedMessage, "UTF-8"},
		{"display name with NUL", `{"type":"update_metadata","data":{"name":"Ann\u0000"}}`, CodeInvalidArgument, "control character"},
		{"display name with bidi override", `{"type":"update_metadata","data":{"name":"evil\u202egnp.exe"}}`, CodeInvalidArgument, "bidirectional"},
		{"display name too long", `{"type":"update_metadata","data":{"name":"` + strings.Repeat("a", 129) + `"}}`, CodeInvalidArgument, "at most 128"},
		{"metadata with escape sequence", `{"type":"update_metadata","data":{"metadata":"\u001b[31m"}}`, CodeInvalidArgument, "control character"},
		{"metadata too large", `{"type":"update_metadata","data":{"metadata":"` + strings.Repeat("m", 16<<10+1) + `"}}`, CodeInvalidArgument, "at most 16384"},
		{"track name of NUL/CR/LF", `{"type":"add_track","data":{"cid":"c","kind":"audio","source":"microphone","name":"` + jsonEscape(hugeName) + `"}}`, CodeInvalidArgument, "name"},
		{"track name with bidi override", `{"type":"add_track","data":{"cid":"c","kind":"audio","source":"microphone","name":"\u202e"}}`, CodeInvalidArgument, "bidirectional"},
		{"duplicate rid", `{"type":"add_track","data":{"cid":"c","kind":"video","source":"camera","layers":[{"rid":"f","quality":"low"},{"rid":"f","quality":"high"}]}}`, CodeInvalidArgument, `rid "f" is declared twice`},
		{"duplicate quality", `{"type":"add_track","data":{"cid":"c","kind":"video","source":"camera","layers":[{"rid":"a","quality":"low"},{"rid":"b","quality":"low"}]}}`, CodeInvalidArgument, "quality low is declared twice"},
		{"absurd width", `{"type":"add_track","data":{"cid":"c","kind":"video","source":"camera","width":1099511627776,"height":720}}`, CodeInvalidArgument, "between 0 and 16384"},
		{"absurd layer height", `{"type":"add_track","data":{"cid":"c","kind":"video","source":"camera","layers":[{"quality":"low","height":1099511627776}]}}`, CodeInvalidArgument, "between 0 and 16384"},
		{"absurd layer bitrate", `{"type":"add_track","data":{"cid":"c","kind":"video","source":"camera","layers":[{"quality":"low","bitrate":1099511627776}]}}`, CodeInvalidArgument, "bitrate"},
		{"absurd subscription size", `{"type":"update_subscription","data":{"track_sid":"a","width":1099511627776}}`, CodeInvalidArgument, "between 0 and 16384"},
		{"garbage trickle candidate", `{"type":"trickle","req_id":9,"data":{"target":"publisher","candidate":{"candidate":"candidate:garbage"}}}`, CodeInvalidArgument, "not an ICE candidate"},
		{"topic with control character", `{"type":"send_data","data":{"kind":"reliable","topic":"chat\n","payload":"aGk="}}`, CodeInvalidArgument, "topic"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeClient([]byte(tc.in))
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("DecodeClient accepted it: %v", err)
			}
			if de.Code != tc.code || !strings.Contains(de.Message, tc.mention) {
				t.Fatalf("DecodeClient = {%s %q}, want code %s mentioning %q", de.Code, truncate(de.Message, 200), tc.code, tc.mention)
			}
		})
	}
}

// Right-to-left names, emoji with joiners and multi-line JSON metadata stay welcome.
func TestDecodeClientKeepsLegitimateText(t *testing.T) {
	for _, in := range []string{
		`{"type":"update_metadata","data":{"name":"محمد علي"}}`,
		`{"type":"update_metadata","data":{"name":"👩‍💻 Ada Lovelace"}}`,
		`{"type":"update_metadata","data":{"metadata":"{\n\t\"role\": \"chair\"\n}"}}`,
		`{"type":"add_track","data":{"cid":"c","kind":"video","source":"camera","width":7680,"height":4320}}`,
		`{"type":"trickle","data":{"target":"publisher","candidate":{"candidate":"candidate:842163049 1 udp 1677729535 203.0.113.7 46154 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag sXcm network-cost 999","sdpMid":"0","sdpMLineIndex":0}}}`,
		`{"type":"trickle","data":{"target":"subscriber","candidate":{"candidate":"candidate:1 1 udp 2122260223 3f1a5c1e-4c7e-4f7e-9a43-6f3f8b1c2d3e.local 54400 typ host"}}}`,
		`{"type":"trickle","data":{"target":"subscriber","candidate":{"candidate":""}}}`,
	} {
		if _, err := DecodeClient([]byte(in)); err != nil {
			t.Errorf("DecodeClient(%s): %v", in, err)
		}
	}
}

func jsonEscape(s string) string {
	return strings.NewReplacer("\x00", `\u0000`, "\r", `\r`, "\n", `\n`).Replace(s)
}
