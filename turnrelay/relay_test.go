package turnrelay_test

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/testcert"

	"github.com/ensemble-sfu/ensemble/turnrelay"
	"github.com/pion/turn/v5"
)

// selfSigned is a TLS certificate for 127.0.0.1 and a pool trusting it.
func selfSigned(t *testing.T) (*tls.Config, *x509.CertPool) { return selfSignedFor(t) }

func selfSignedFor(t testing.TB) (*tls.Config, *x509.CertPool) {
	c := testcert.New(t, 1)
	return c.TLS(), c.Pool
}

// media is a UDP socket standing for the media engine: the one peer relays may reach.
func media(t testing.TB) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func startRelay(t *testing.T, mediaPort int, perUser int) (*turnrelay.Server, *x509.CertPool) {
	t.Helper()
	tlsCfg, pool := selfSigned(t)
	s, err := turnrelay.New(turnrelay.Config{
		UDPListen: "127.0.0.1:0", TLSListen: "127.0.0.1:0", TLS: tlsCfg,
		RelayIP: net.IPv4(127, 0, 0, 1), Secret: turnrelay.SecretFrom("an API secret of the server"),
		MediaIPs: []net.IP{net.IPv4(127, 0, 0, 1)}, MediaPort: func(p int) bool { return p == mediaPort },
		AllocationsPerUser: perUser,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, pool
}

// turnClient connects over UDP (pool nil) or TLS and allocates a relay.
func turnClient(t *testing.T, s *turnrelay.Server, pool *x509.CertPool, user, pass string) (*turn.Client, net.PacketConn, error) {
	t.Helper()
	var conn net.PacketConn
	var addr string
	if pool == nil {
		addr = s.UDPAddr().String()
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		conn = c
	} else {
		addr = s.TLSAddr().String()
		c, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool})
		if err != nil {
			t.Fatal(err)
		}
		conn = turn.NewSTUNConn(c)
	}
	c, err := turn.NewClient(&turn.ClientConfig{STUNServerAddr: addr, TURNServerAddr: addr, Conn: conn,
		Username: user, Password: pass, Realm: turnrelay.Realm})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if err := c.Listen(); err != nil {
		t.Fatal(err)
	}
	relay, err := c.Allocate()
	if err == nil {
		t.Cleanup(func() { relay.Close() })
	}
	return c, relay, err
}

// Over UDP and over TLS, a participant's minted credentials allocate a relay that
// carries packets to the media engine and back.
func TestRelayCarriesMediaOverUDPAndTLS(t *testing.T) {
	m := media(t)
	s, pool := startRelay(t, m.LocalAddr().(*net.UDPAddr).Port, 10)
	for name, p := range map[string]*x509.CertPool{"udp": nil, "tls": pool} {
		t.Run(name, func(t *testing.T) {
			user, pass, _ := s.Credentials("room", "alice-"+name)
			_, relay, err := turnClient(t, s, p, user, pass)
			if err != nil {
				t.Fatalf("allocate: %v", err)
			}
			if _, err := relay.WriteTo([]byte("rtp from alice"), m.LocalAddr()); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 1500)
			_ = m.SetReadDeadline(time.Now().Add(10 * time.Second))
			n, from, err := m.ReadFrom(buf)
			if err != nil || string(buf[:n]) != "rtp from alice" {
				t.Fatalf("media engine got %q, %v", buf[:n], err)
			}
			if _, err := m.WriteTo([]byte("rtp to alice"), from); err != nil {
				t.Fatal(err)
			}
			_ = relay.SetReadDeadline(time.Now().Add(10 * time.Second))
			n, _, err = relay.ReadFrom(buf)
			if err != nil || string(buf[:n]) != "rtp to alice" {
				t.Fatalf("client got %q, %v", buf[:n], err)
			}
		})
	}
}

func TestRelayRefusesBadCredentials(t *testing.T) {
	m := media(t)
	s, _ := startRelay(t, m.LocalAddr().(*net.UDPAddr).Port, 10)
	user, pass, _ := s.Credentials("room", "bob")
	if _, _, err := turnClient(t, s, nil, user, pass+"x"); err == nil {
		t.Error("a wrong password allocated a relay")
	}
	other, err := turnrelay.New(turnrelay.Config{UDPListen: "127.0.0.1:0", RelayIP: net.IPv4(127, 0, 0, 1),
		Secret: turnrelay.SecretFrom("another server's secret"), MediaIPs: []net.IP{net.IPv4(127, 0, 0, 1)},
		MediaPort: func(int) bool { return true }, Now: func() time.Time { return time.Now().Add(-7 * time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	forged, fpass, _ := other.Credentials("room", "bob")
	if _, _, err := turnClient(t, s, nil, forged, fpass); err == nil {
		t.Error("credentials of another secret allocated a relay")
	}
	if _, _, err := turnClient(t, other, nil, forged, fpass); err == nil {
		t.Error("expired credentials allocated a relay")
	}
}

// A relay reaches the media port only: a permission toward another host is
// refused, and a packet to another port of this host never arrives.
func TestRelayReachesOnlyTheMediaEngine(t *testing.T) {
	m := media(t)
	s, _ := startRelay(t, m.LocalAddr().(*net.UDPAddr).Port, 10)
	user, pass, _ := s.Credentials("room", "mallory")
	c, relay, err := turnClient(t, s, nil, user, pass)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CreatePermission(&net.UDPAddr{IP: net.IPv4(10, 1, 2, 3), Port: 53}); err == nil {
		t.Error("permission toward 10.1.2.3 granted")
	}
	internal := media(t) // another service on this host
	if _, err := relay.WriteTo([]byte("probe"), internal.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	// The media engine's answer proves the relay works; the other service got nothing.
	if _, err := relay.WriteTo([]byte("ping"), m.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 100)
	_ = m.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, _, err := m.ReadFrom(buf); err != nil {
		t.Fatal(err)
	}
	_ = internal.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if n, _, err := internal.ReadFrom(buf); err == nil {
		t.Fatalf("a service on another port got %q through the relay", buf[:n])
	}
}

func TestAllocationsPerUserAreBounded(t *testing.T) {
	m := media(t)
	s, _ := startRelay(t, m.LocalAddr().(*net.UDPAddr).Port, 2)
	user, pass, _ := s.Credentials("room", "greedy")
	for i := range 2 {
		if _, _, err := turnClient(t, s, nil, user, pass); err != nil {
			t.Fatalf("allocation %d: %v", i, err)
		}
	}
	if _, _, err := turnClient(t, s, nil, user, pass); err == nil {
		t.Fatal("third allocation of a user with a quota of 2 granted")
	}
	other, opass, _ := s.Credentials("room", "someone-else")
	if _, _, err := turnClient(t, s, nil, other, opass); err != nil {
		t.Fatalf("another user's allocation: %v", err)
	}
}
