package turnrelay_test

import (
	"net"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/turnrelay"
	"github.com/pion/stun/v4"
)

// FuzzRelayDatagram sends any datagram to the relay's UDP port (STUN and TURN
// messages, channel data, garbage) and then checks that the relay still answers a
// binding request: nothing a client sends takes it down.
func FuzzRelayDatagram(f *testing.F) {
	bind := stun.MustBuild(stun.TransactionID, stun.BindingRequest)
	f.Add(bind.Raw)
	alloc := stun.MustBuild(stun.TransactionID, stun.NewType(stun.MethodAllocate, stun.ClassRequest),
		stun.NewUsername("1:x"), stun.NewRealm(turnrelay.Realm), stun.NewNonce("n"), stun.Fingerprint)
	f.Add(alloc.Raw)
	f.Add([]byte{0x40, 0x00, 0x00, 0x04, 1, 2, 3, 4}) // channel data
	f.Add([]byte{})

	m := media(f)
	tlsCfg, _ := selfSignedFor(f)
	s, err := turnrelay.New(turnrelay.Config{
		UDPListen: "127.0.0.1:0", TLSListen: "127.0.0.1:0", TLS: tlsCfg, RelayIP: net.IPv4(127, 0, 0, 1),
		Secret: turnrelay.SecretFrom("fuzz"), MediaIPs: []net.IP{net.IPv4(127, 0, 0, 1)},
		MediaPort: func(p int) bool { return p == m.LocalAddr().(*net.UDPAddr).Port },
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	sender, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { sender.Close() })
	prober, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { prober.Close() })
	buf := make([]byte, 1500)

	f.Fuzz(func(t *testing.T, datagram []byte) {
		if len(datagram) > 1500 {
			return
		}
		if _, err := sender.WriteTo(datagram, s.UDPAddr()); err != nil {
			t.Fatal(err)
		}
		req := stun.MustBuild(stun.TransactionID, stun.BindingRequest)
		if _, err := prober.WriteTo(req.Raw, s.UDPAddr()); err != nil {
			t.Fatal(err)
		}
		_ = prober.SetReadDeadline(time.Now().Add(5 * time.Second))
		for {
			n, _, err := prober.ReadFrom(buf)
			if err != nil {
				t.Fatalf("relay silent after %x: %v", datagram, err)
			}
			var res stun.Message
			if res.UnmarshalBinary(buf[:n]) == nil && res.TransactionID == req.TransactionID {
				return
			}
		}
	})
}
