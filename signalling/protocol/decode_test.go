package protocol

import (
	"errors"
	"strings"
	"testing"

	"github.com/ensemble-sfu/ensemble/vocab"
)

func TestDecodeClientAcceptsEveryRequest(t *testing.T) {
	tests := []struct {
		in   string
		typ  string
		want any
	}{
		{`{"type":"offer","req_id":1,"data":{"sdp":"v=0"}}`, TypeOffer, SDPMessage{SDP: "v=0"}},
		{`{"type":"answer","data":{"sdp":"v=0"}}`, TypeAnswer, SDPMessage{SDP: "v=0"}},
		{`{"type":"mute","req_id":2,"data":{"track_sid":"TR_1","muted":true}}`, TypeMute, MuteRequest{TrackSID: "TR_1", Muted: true}},
		{`{"type":"unpublish","data":{"track_sid":"TR_1"}}`, TypeUnpublish, UnpublishRequest{TrackSID: "TR_1"}},
		{`{"type":"ping","data":{"timestamp":5}}`, TypePing, PingMessage{Timestamp: 5}},
		{`{"type":"ping"}`, TypePing, PingMessage{}},
		{`{"type":"leave"}`, TypeLeave, nil},
		{`{"type":"update_metadata","data":{"name":"Ann","future_field":1}}`, TypeUpdateMetadata, nil},
		{`{"type":"send_data","data":{"kind":"lossy","payload":"aGk="}}`, TypeSendData, nil},
		{`{"type":"send_data","data":{"kind":"lossy","payload":"aGk=","from_identity":""}}`, TypeSendData, nil},
		{`{"type":"subscribe","data":{"track_sids":["a","b"],"subscribe":true}}`, TypeSubscribe, nil},
		{`{"type":"update_subscription","data":{"track_sid":"a","quality":"low"}}`, TypeUpdateSubscription, nil},
		{`{"type":"trickle","data":{"target":"subscriber","candidate":{"candidate":"candidate:1 1 udp 1 127.0.0.1 5000 typ host"}}}`, TypeTrickle, nil},
		{`{"type":"add_track","req_id":3,"data":{"cid":"c1","kind":"video","source":"camera","layers":[{"quality":"low"},{"quality":"high"}]}}`, TypeAddTrack, nil},
		{`{"type":"add_track","data":{"cid":"c1","kind":"audio","source":"microphone","owner":{"identity":"ada","name":"Ada"}}}`, TypeAddTrack, nil},
	}
	for _, tc := range tests {
		msg, err := DecodeClient([]byte(tc.in))
		if err != nil {
			t.Errorf("DecodeClient(%s): %v", tc.in, err)
			continue
		}
		if msg.Type != tc.typ {
			t.Errorf("DecodeClient(%s).Type = %q, want %q", tc.in, msg.Type, tc.typ)
		}
		if tc.want != nil && msg.Body != tc.want {
			t.Errorf("DecodeClient(%s).Body = %#v, want %#v", tc.in, msg.Body, tc.want)
		}
	}
	msg, _ := DecodeClient([]byte(`{"type":"send_data","req_id":4294967295,"data":{"kind":"reliable","payload":"aGk="}}`))
	if got := msg.Body.(SendDataRequest); string(got.Payload) != "hi" || msg.ReqID != 4294967295 {
		t.Errorf("send_data decoded as %+v req %d", got, msg.ReqID)
	}
}

func TestDecodeClientRefusesPrecisely(t *testing.T) {
	tests := []struct {
		in, code, mention string
		reqID             uint32
	}{
		{``, CodeMalformedMessage, "empty", 0},
		{`[1,2]`, CodeMalformedMessage, "not a JSON object", 0},
		{`{"type":"offer"`, CodeMalformedMessage, "invalid JSON", 0},
		{`{"type":7}`, CodeMalformedMessage, "type must be a string", 0},
		{`{"type":"offer","req_id":-1}`, CodeMalformedMessage, "req_id", 0},
		{`{"type":"offer","req_id":"x"}`, CodeMalformedMessage, "req_id", 0},
		{`{"req_id":3}`, CodeInvalidArgument, "no type", 3},
		{`{"type":"teleport","req_id":4}`, CodeUnknownType, `"teleport"`, 4},
		{`{"type":"offer","req_id":5}`, CodeInvalidArgument, "data is required", 5},
		{`{"type":"offer","req_id":5,"data":"v=0"}`, CodeMalformedMessage, "data must be a JSON object", 5},
		{`{"type":"offer","req_id":6,"data":{"sdp":""}}`, CodeInvalidArgument, "sdp is required", 6},
		{`{"type":"offer","req_id":6,"data":{"sdp":12}}`, CodeMalformedMessage, `"sdp" must be a string`, 6},
		{`{"type":"trickle","data":{"target":"sideways","candidate":{}}}`, CodeInvalidArgument, "sideways", 0},
		{`{"type":"add_track","data":{"kind":"video","source":"camera"}}`, CodeInvalidArgument, "cid is required", 0},
		{`{"type":"add_track","data":{"cid":"a","kind":"smell","source":"camera"}}`, CodeInvalidArgument, "smell", 0},
		{`{"type":"add_track","data":{"cid":"a","kind":"video","source":"hologram"}}`, CodeInvalidArgument, "hologram", 0},
		{`{"type":"add_track","data":{"cid":"a","kind":"audio","source":"camera"}}`, CodeInvalidArgument, "source camera carries video", 0},
		{`{"type":"add_track","data":{"cid":"a","kind":"video","source":"camera","layers":[{"quality":"ultra"}]}}`, CodeInvalidArgument, "layers[0]", 0},
		{`{"type":"add_track","data":{"cid":"a","kind":"audio","source":"microphone","owner":{"name":"Ada"}}}`, CodeInvalidArgument, "owner.identity is empty", 0},
		{`{"type":"add_track","data":{"cid":"a","kind":"audio","source":"microphone","owner":{"identity":"a\u202eb"}}}`, CodeInvalidArgument, "owner.identity", 0},
		{`{"type":"add_track","data":{"cid":"a","kind":"audio","source":"microphone","owner":{"identity":"ada","kind":"relay"}}}`, CodeInvalidArgument, `owner.kind "relay": a relay is never relayed`, 0},
		{`{"type":"send_data","data":{"kind":"reliable","payload":"aGk=","from_identity":"a\u202eb"}}`, CodeInvalidArgument, "from_identity", 0},
		{`{"type":"mute","data":{"muted":true}}`, CodeInvalidArgument, "track_sid is required", 0},
		{`{"type":"subscribe","data":{"track_sids":[]}}`, CodeInvalidArgument, "at least one", 0},
		{`{"type":"update_subscription","data":{"track_sid":"a","quality":"best"}}`, CodeInvalidArgument, "best", 0},
		{`{"type":"send_data","data":{"payload":"aGk="}}`, CodeInvalidArgument, "kind is required", 0},
		{`{"type":"send_data","data":{"kind":"reliable","payload":"!!"}}`, CodeMalformedMessage, "send_data", 0},
		{`{"type":"update_metadata","data":{}}`, CodeInvalidArgument, "name or metadata", 0},
	}
	for _, tc := range tests {
		_, err := DecodeClient([]byte(tc.in))
		var de *DecodeError
		if !errors.As(err, &de) {
			t.Errorf("DecodeClient(%s) = %v, want a *DecodeError", tc.in, err)
			continue
		}
		if de.Code != tc.code || !strings.Contains(de.Message, tc.mention) || de.ReqID != tc.reqID {
			t.Errorf("DecodeClient(%s) = {%s %q req %d}, want code %s mentioning %q req %d", tc.in, de.Code, de.Message, de.ReqID, tc.code, tc.mention, tc.reqID)
		}
	}
}

func TestEncodeDecodeServerRoundTrip(t *testing.T) {
	b, err := Encode(TypeClose, 0, CloseEvent{Reason: vocab.ReasonServerShutdown})
	if err != nil {
		t.Fatal(err)
	}
	msg, err := DecodeServer(b)
	if err != nil {
		t.Fatal(err)
	}
	if got := msg.Body.(CloseEvent); got.Reason != vocab.ReasonServerShutdown {
		t.Errorf("round trip = %+v", got)
	}
	b, _ = Encode(TypeAck, 9, nil)
	if string(b) != `{"type":"ack","req_id":9}` {
		t.Errorf("ack = %s", b)
	}
	if msg, err := DecodeServer([]byte(`{"type":"from_the_future","data":{"x":1}}`)); err != nil || msg.Body != nil {
		t.Errorf("unknown server type: %+v, %v", msg, err)
	}
}

func FuzzDecodeClientMessage(f *testing.F) {
	f.Add([]byte(`{"type":"offer","req_id":1,"data":{"sdp":"v=0"}}`))
	f.Add([]byte(`{"type":"add_track","req_id":2,"data":{"cid":"c","kind":"video","source":"camera"}}`))
	f.Add([]byte(`{"type":"add_track","req_id":3,"data":{"cid":"c","kind":"audio","source":"microphone","owner":{"identity":"ada","name":"Ada","metadata":"{}"}}}`))
	f.Add([]byte(`{"type":"add_track","req_id":4,"data":{"cid":"c2","kind":"video","source":"camera","backup_of":"TR_1","mime_type":"video/H264","width":640,"height":360}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		msg, err := DecodeClient(b)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) || de.Code == "" || de.Message == "" {
				t.Fatalf("DecodeClient(%q) error %v is not a complete *DecodeError", b, err)
			}
			return
		}
		if msg.Type == "" {
			t.Fatalf("DecodeClient(%q) accepted a message without type", b)
		}
		// Whatever was accepted must encode again.
		if _, err := Encode(msg.Type, msg.ReqID, msg.Body); err != nil {
			t.Fatalf("re-encode of %q: %v", b, err)
		}
	})
}

func BenchmarkDecodeClientAddTrack(b *testing.B) {
	msg := []byte(`{"type":"add_track","req_id":3,"data":{"cid":"8d1f6c0e-camera","name":"camera","kind":"video","source":"camera","width":1280,"height":720,"layers":[{"rid":"q","quality":"low"},{"rid":"h","quality":"medium"},{"rid":"f","quality":"high"}]}}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeClient(msg); err != nil {
			b.Fatal(err)
		}
	}
}
