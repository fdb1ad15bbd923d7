package protocol

import (
	"reflect"
	"testing"

	"github.com/ensemble-sfu/ensemble/vocab"
)

func TestRelayedAdminRoundTrip(t *testing.T) {
	name, no := "Bob B.", false
	for _, ev := range []RelayedAdminEvent{
		{Identity: "bob", Action: vocab.RelayedRemove},
		{Identity: "bob", Action: vocab.RelayedReplaced},
		{Identity: "bob", Action: vocab.RelayedMute, TrackSID: "TR_1", Muted: true},
		{Identity: "bob", Action: vocab.RelayedUpdate, Name: &name,
			Permissions: &PermissionsChange{CanPublish: &no, Sources: []vocab.Source{vocab.SourceMicrophone}}},
	} {
		b, err := Encode(TypeRelayedAdmin, 0, ev)
		if err != nil {
			t.Fatal(err)
		}
		msg, err := DecodeServer(b)
		if err != nil {
			t.Fatalf("decode %s: %v", b, err)
		}
		if got, ok := msg.Body.(RelayedAdminEvent); !ok || !reflect.DeepEqual(got, ev) {
			t.Errorf("%s decoded as %#v", b, msg.Body)
		}
	}
	ch := (&PermissionsChange{CanPublish: &no}).Vocab()
	if p := ch.Apply(vocab.Permissions{CanPublish: true, CanSubscribe: true}); p.CanPublish || !p.CanSubscribe {
		t.Errorf("can_publish false applied: %+v", p)
	}
}
