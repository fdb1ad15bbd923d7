package srtpout

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/pion/dtls/v3"
	"github.com/pion/dtls/v3/pkg/crypto/selfsign"
	"github.com/pion/srtp/v3"
)

// The keys derived from what the hooks saw are those Pion's DTLS exports for
// its own SRTP context, for every cipher suite (each PRF hash) and SRTP
// profile the SFU offers, over a real handshake on loopback.
func TestKeysMatchPionsExport(t *testing.T) {
	for _, tc := range []struct {
		name    string
		suite   dtls.CipherSuiteID
		profile dtls.SRTPProtectionProfile
	}{
		{"aes128gcm-sha256/srtp-aes128gcm", dtls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, dtls.SRTP_AEAD_AES_128_GCM},
		{"aes256gcm-sha384/srtp-aes256gcm", dtls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, dtls.SRTP_AEAD_AES_256_GCM},
		{"aes256cbc-sha/srtp-aes128cm-sha1-80", dtls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, dtls.SRTP_AES128_CM_HMAC_SHA1_80},
		{"chacha20/srtp-aes128gcm", dtls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, dtls.SRTP_AEAD_AES_128_GCM},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var k Keys
			server := dtlsHandshake(t, tc.suite, tc.profile, &k)
			state, ok := server.ConnectionState()
			if !ok {
				t.Fatal("no connection state")
			}
			negotiated, _ := server.SelectedSRTPProtectionProfile()
			want := srtp.Config{Profile: srtp.ProtectionProfile(negotiated)}
			if err := want.ExtractSessionKeysFromDTLS(&state, false); err != nil {
				t.Fatal(err)
			}
			got, err := k.sessionKeys()
			if err != nil {
				t.Fatal(err)
			}
			if negotiated != tc.profile || srtp.ProtectionProfile(negotiated) != got.Profile {
				t.Errorf("profile %v, negotiated %v, asked %v", got.Profile, negotiated, tc.profile)
			}
			if !bytes.Equal(got.Keys.LocalMasterKey, want.Keys.LocalMasterKey) || !bytes.Equal(got.Keys.LocalMasterSalt, want.Keys.LocalMasterSalt) ||
				!bytes.Equal(got.Keys.RemoteMasterKey, want.Keys.RemoteMasterKey) || !bytes.Equal(got.Keys.RemoteMasterSalt, want.Keys.RemoteMasterSalt) {
				t.Errorf("keys differ from Pion's export:\n got %x %x\nwant %x %x", got.Keys.LocalMasterKey, got.Keys.LocalMasterSalt, want.Keys.LocalMasterKey, want.Keys.LocalMasterSalt)
			}
			// The master secret is forgotten once used.
			if _, err := k.sessionKeys(); !errors.Is(err, ErrNoKeys) {
				t.Errorf("second derivation: %v, want ErrNoKeys", err)
			}
		})
	}
}

// Nothing is derived where the SFU was the DTLS client (the server's random
// is not seen), nor from a key log line that does not parse.
func TestKeysRefuseWhatTheyCannotUse(t *testing.T) {
	var k Keys
	if _, err := k.Context(); !errors.Is(err, ErrNoKeys) {
		t.Errorf("no handshake: %v, want ErrNoKeys", err)
	}
	_, _ = keyLog{&k}.Write([]byte("CLIENT_RANDOM 00ff 0011\n"))
	if _, err := k.Context(); !errors.Is(err, ErrNoKeys) {
		t.Errorf("client side only: %v, want ErrNoKeys", err)
	}
	_, _ = keyLog{&k}.Write([]byte("CLIENT_RANDOM zz 0011\n"))
	if _, err := k.Context(); err == nil || errors.Is(err, ErrNoKeys) {
		t.Errorf("bad hex: %v, want a parse error", err)
	}
	var l Keys
	_, _ = keyLog{&l}.Write([]byte("SERVER_HANDSHAKE_TRAFFIC_SECRET 00 11\n"))
	if _, err := l.Context(); err == nil || errors.Is(err, ErrNoKeys) {
		t.Errorf("TLS 1.3 label: %v, want an error naming the line", err)
	}
}

// dtlsHandshake runs a DTLS handshake on loopback with the given suite and
// profile, k's hooks on the server, and returns the server's side.
func dtlsHandshake(t *testing.T, suite dtls.CipherSuiteID, profile dtls.SRTPProtectionProfile, k *Keys) *dtls.Conn {
	t.Helper()
	cert, err := selfsign.GenerateSelfSigned()
	if err != nil {
		t.Fatal(err)
	}
	sock := func() *net.UDPConn {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	sa, ca := sock(), sock()
	server, err := dtls.Server(sa, ca.LocalAddr(), &dtls.Config{
		Certificates:           []tls.Certificate{cert},
		CipherSuites:           []dtls.CipherSuiteID{suite},
		SRTPProtectionProfiles: []dtls.SRTPProtectionProfile{profile},
		KeyLogWriter:           keyLog{k},
		ServerHelloMessageHook: k.serverHello,
		ExtendedMasterSecret:   dtls.RequireExtendedMasterSecret,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = server.Close() })
	client, err := dtls.Client(ca, sa.LocalAddr(), &dtls.Config{
		Certificates:           []tls.Certificate{cert},
		CipherSuites:           []dtls.CipherSuiteID{suite},
		SRTPProtectionProfiles: []dtls.SRTPProtectionProfile{profile},
		InsecureSkipVerify:     true,
		ExtendedMasterSecret:   dtls.RequireExtendedMasterSecret,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- client.HandshakeContext(ctx) }()
	if err := server.HandshakeContext(ctx); err != nil {
		t.Fatalf("server handshake: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("client handshake: %v", err)
	}
	return server
}
