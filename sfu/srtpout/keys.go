package srtpout

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"sync"

	"github.com/pion/dtls/v3"
	"github.com/pion/dtls/v3/pkg/crypto/prf"
	"github.com/pion/dtls/v3/pkg/protocol/extension"
	"github.com/pion/dtls/v3/pkg/protocol/handshake"
	"github.com/pion/srtp/v3"
	"github.com/pion/webrtc/v4"
)

// Errors of key derivation: the connection then stays on Pion's path.
var (
	ErrNoKeys         = errors.New("srtpout: the DTLS handshake has not given its keys (or the SFU was not the DTLS server)")
	ErrUnknownSuite   = errors.New("srtpout: DTLS cipher suite whose PRF hash is not known")
	ErrUnknownProfile = errors.New("srtpout: SRTP protection profile not known")
)

// keyLogLabel is the key log line of a TLS 1.2 (and DTLS 1.2) master secret.
const keyLogLabel = "CLIENT_RANDOM"

// Keys collects what one connection's DTLS handshake reveals to its settings,
// for the SRTP context of the SFU's side. Give it to Configure before the
// connection is made.
type Keys struct {
	mu           sync.Mutex
	serverRandom []byte
	suite        dtls.CipherSuiteID
	profile      dtls.SRTPProtectionProfile
	clientRandom []byte
	master       []byte
	bad          error // the first line of the key log that did not parse
}

// Configure sets the DTLS hooks of s that feed k. s must serve one
// connection only: the hooks cannot tell connections apart.
func (k *Keys) Configure(s *webrtc.SettingEngine) {
	// The key log is the one place Pion hands out a master secret. It goes
	// to k's memory and nowhere else, and is dropped once the SRTP context
	// is made.
	s.SetDTLSKeyLogWriter(keyLog{k})
	s.SetDTLSServerHelloMessageHook(k.serverHello)
}

// serverHello notes the server random, cipher suite and SRTP profile of the
// ServerHello the SFU sends, and sends it unchanged.
func (k *Keys) serverHello(m handshake.MessageServerHello) handshake.Message {
	random := m.Random.MarshalFixed()
	k.mu.Lock()
	k.serverRandom = append(k.serverRandom[:0], random[:]...)
	if m.CipherSuiteID != nil {
		k.suite = dtls.CipherSuiteID(*m.CipherSuiteID)
	}
	for _, e := range m.Extensions {
		if u, ok := e.(*extension.UseSRTP); ok && len(u.ProtectionProfiles) == 1 {
			k.profile = u.ProtectionProfiles[0]
		}
	}
	k.mu.Unlock()
	return &m
}

// keyLog reads the NSS key log lines Pion writes: "CLIENT_RANDOM <client
// random> <master secret>", in hex.
type keyLog struct{ k *Keys }

func (l keyLog) Write(line []byte) (int, error) {
	fields := bytes.Fields(line)
	k := l.k
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(fields) != 3 || string(fields[0]) != keyLogLabel {
		k.bad = fmt.Errorf("srtpout: key log line of %d fields, not %q and two values", len(fields), keyLogLabel)
		return len(line), nil
	}
	cr, err1 := hex.AppendDecode(k.clientRandom[:0], fields[1])
	ms, err2 := hex.AppendDecode(k.master[:0], fields[2])
	if err := errors.Join(err1, err2); err != nil {
		k.bad = fmt.Errorf("srtpout: key log line: %w", err)
		return len(line), nil
	}
	k.clientRandom, k.master = cr, ms
	return len(line), nil
}

// Context makes the SRTP context with which the SFU, as DTLS server,
// encrypts what it sends, and forgets the master secret.
func (k *Keys) Context() (*srtp.Context, error) {
	cfg, err := k.sessionKeys()
	if err != nil {
		return nil, err
	}
	c, err := srtp.CreateContext(cfg.Keys.LocalMasterKey, cfg.Keys.LocalMasterSalt, cfg.Profile)
	if err != nil {
		return nil, fmt.Errorf("srtpout: SRTP context: %w", err)
	}
	return c, nil
}

// sessionKeys exports the SRTP keys and profile of the server's side and
// forgets the master secret.
func (k *Keys) sessionKeys() (srtp.Config, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.bad != nil {
		return srtp.Config{}, k.bad
	}
	if len(k.master) == 0 || len(k.clientRandom) != handshake.RandomLength || len(k.serverRandom) != handshake.RandomLength {
		return srtp.Config{}, ErrNoKeys
	}
	h, err := prfHash(k.suite)
	if err != nil {
		return srtp.Config{}, err
	}
	profile, err := srtpProfile(k.profile)
	if err != nil {
		return srtp.Config{}, err
	}
	cfg := srtp.Config{Profile: profile}
	ex := exporter{master: k.master, clientRandom: k.clientRandom, serverRandom: k.serverRandom, hash: h}
	if err := cfg.ExtractSessionKeysFromDTLS(ex, false); err != nil {
		return srtp.Config{}, fmt.Errorf("srtpout: SRTP keying material: %w", err)
	}
	clear(k.master)
	k.master = k.master[:0]
	return cfg, nil
}

// exporter is RFC 5705's keying material exporter over a DTLS 1.2 session,
// as Pion's dtls.State implements it: PRF(master secret, label, client
// random + server random), with no context.
type exporter struct {
	master, clientRandom, serverRandom []byte
	hash                               prf.HashFunc
}

func (e exporter) ExportKeyingMaterial(label string, context []byte, length int) ([]byte, error) {
	if len(context) != 0 {
		return nil, errors.New("srtpout: exporter context is not supported")
	}
	seed := make([]byte, 0, len(label)+len(e.clientRandom)+len(e.serverRandom))
	seed = append(append(append(seed, label...), e.clientRandom...), e.serverRandom...)
	return prf.PHash(e.master, seed, length, e.hash)
}

// prfHash is the PRF hash of a cipher suite Pion offers: SHA-384 for the
// AES-256-GCM suites, SHA-256 for the others (DTLS 1.2 uses SHA-256 where the
// suite names none, the CBC_SHA suites included).
func prfHash(id dtls.CipherSuiteID) (prf.HashFunc, error) {
	switch id {
	case dtls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, dtls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384:
		return func() hash.Hash { return sha512.New384() }, nil
	case dtls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, dtls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		dtls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, dtls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
		dtls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, dtls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256:
		return sha256.New, nil
	}
	return nil, fmt.Errorf("%w: %#04x", ErrUnknownSuite, uint16(id))
}

// srtpProfile maps the DTLS use_srtp profile to pion/srtp's.
func srtpProfile(p dtls.SRTPProtectionProfile) (srtp.ProtectionProfile, error) {
	switch p {
	case dtls.SRTP_AEAD_AES_128_GCM:
		return srtp.ProtectionProfileAeadAes128Gcm, nil
	case dtls.SRTP_AEAD_AES_256_GCM:
		return srtp.ProtectionProfileAeadAes256Gcm, nil
	case dtls.SRTP_AES128_CM_HMAC_SHA1_80:
		return srtp.ProtectionProfileAes128CmHmacSha1_80, nil
	}
	return 0, fmt.Errorf("%w: %#04x", ErrUnknownProfile, uint16(p))
}
