package srtpout

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/dtls/v3"
	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"

	"github.com/ensemble-sfu/ensemble/sfu/udpbatch"
)

// testKeys returns two Keys as a DTLS handshake would leave them (random
// secrets), one for the sender and its twin to derive the receiver's context.
func testKeys(t testing.TB) (*Keys, *Keys) {
	t.Helper()
	k := &Keys{suite: dtls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, profile: dtls.SRTP_AEAD_AES_128_GCM,
		master: make([]byte, 48), clientRandom: make([]byte, 32), serverRandom: make([]byte, 32)}
	for _, b := range [][]byte{k.master, k.clientRandom, k.serverRandom} {
		_, _ = rand.Read(b)
	}
	twin := &Keys{suite: k.suite, profile: k.profile, master: append([]byte(nil), k.master...),
		clientRandom: k.clientRandom, serverRandom: k.serverRandom}
	return k, twin
}

// receiverContext is the subscriber's context for what the SFU (the DTLS
// server) sends.
func receiverContext(t testing.TB, twin *Keys) *srtp.Context {
	t.Helper()
	cfg, err := twin.sessionKeys()
	if err != nil {
		t.Fatal(err)
	}
	c, err := srtp.CreateContext(cfg.Keys.LocalMasterKey, cfg.Keys.LocalMasterSalt, cfg.Profile)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type counter struct{ n uint16 }

func (c *counter) Take() uint16 { c.n++; return c.n - 1 }

type sentRecord struct {
	seq  uint16
	size int
}

// testPath is a Conn on a real batching socket, toward a real socket.
type testPath struct {
	conn *Conn
	sent []sentRecord
	rx   *net.UDPConn
	dec  *srtp.Context
	sock *udpbatch.Conn
}

func newTestPath(t testing.TB) *testPath {
	t.Helper()
	k, twin := testKeys(t)
	uc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	sock, err := udpbatch.New(uc, udpbatch.Options{BatchSize: 8, FlushAfter: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	rx, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	_ = rx.SetReadBuffer(4 << 20)
	p := &testPath{rx: rx, dec: receiverContext(t, twin), sock: sock}
	p.conn = NewConn(k, sock, &counter{}, func(seq uint16, size int, _ time.Time) {
		p.sent = append(p.sent, sentRecord{seq, size})
	})
	t.Cleanup(func() { _ = sock.Close(); _ = rx.Close() })
	if err := p.conn.Enable(rx.LocalAddr().(*net.UDPAddr).AddrPort()); err != nil {
		t.Fatal(err)
	}
	return p
}

// read returns the next packet the receiver decrypts.
func (p *testPath) read(t *testing.T) *rtp.Packet {
	t.Helper()
	buf := make([]byte, 1500)
	_ = p.rx.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := p.rx.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	var h rtp.Header
	plain, err := p.dec.DecryptRTP(nil, buf[:n], &h)
	if err != nil {
		t.Fatalf("decrypt: %v", err)
	}
	var pkt rtp.Packet
	if err := pkt.Unmarshal(plain); err != nil {
		t.Fatal(err)
	}
	return &pkt
}

// pionWriter stands for Pion's writer: it only counts.
type pionWriter struct{ n int }

func (w *pionWriter) WriteRTP(*rtp.Header, []byte) (int, error) { w.n++; return 0, nil }
func (w *pionWriter) Write([]byte) (int, error)                 { w.n++; return 0, nil }

// Media packets are numbered in order and recorded for the estimator,
// retransmissions are not, padding keeps its padding, and the subscriber
// decrypts all of them; off, the path hands packets to Pion's writer.
func TestStreamNumbersEncryptsAndSends(t *testing.T) {
	p := newTestPath(t)
	pion := &pionWriter{}
	s := &Stream{c: p.conn, pion: pion, twccID: 3, rtxSSRC: 22}
	payload := []byte("a VP8 frame's bytes")
	for i := range 3 {
		h := rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: uint16(100 + i), Timestamp: 9000, SSRC: 11}
		if _, err := s.WriteRTP(&h, payload); err != nil {
			t.Fatal(err)
		}
	}
	rtx := rtp.Header{Version: 2, PayloadType: 97, SequenceNumber: 7, SSRC: 22}
	if _, err := s.WriteRTP(&rtx, payload); err != nil {
		t.Fatal(err)
	}
	pad := rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: 103, SSRC: 11, Padding: true, PaddingSize: 200}
	if _, err := s.WriteRTP(&pad, nil); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		pkt := p.read(t)
		if pkt.SSRC != 11 || pkt.SequenceNumber != uint16(100+i) || string(pkt.Payload) != string(payload) {
			t.Fatalf("packet %d: %v %q", i, pkt.Header, pkt.Payload)
		}
		if got := binary.BigEndian.Uint16(pkt.GetExtension(3)); got != uint16(i) {
			t.Errorf("packet %d: transport-wide number %d", i, got)
		}
	}
	if pkt := p.read(t); pkt.SSRC != 22 || pkt.GetExtension(3) != nil {
		t.Errorf("retransmission: %v, want SSRC 22 unnumbered", pkt.Header)
	}
	if pkt := p.read(t); !pkt.Padding || pkt.PaddingSize != 200 || len(pkt.Payload) != 0 || binary.BigEndian.Uint16(pkt.GetExtension(3)) != 3 {
		t.Errorf("padding: %v, %d bytes of payload", pkt.Header, len(pkt.Payload))
	}
	if len(p.sent) != 4 || p.sent[3].seq != 3 || p.sent[3].size != 12+8+200 {
		t.Errorf("recorded for the estimator: %+v", p.sent)
	}
	if st := p.conn.Stats(); st.Packets != 5 || st.Errors != 0 {
		t.Errorf("stats %+v", st)
	}
	if pion.n != 0 {
		t.Errorf("%d packets to Pion while the path is on", pion.n)
	}
	p.conn.Disable()
	h := rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: 104, SSRC: 11}
	if _, err := s.WriteRTP(&h, payload); err != nil || pion.n != 1 {
		t.Errorf("path off: err %v, %d packets to Pion", err, pion.n)
	}
	p.conn.Close()
	if err := p.conn.Enable(netip.MustParseAddrPort("127.0.0.1:9")); !errors.Is(err, net.ErrClosed) {
		t.Errorf("enable after close: %v", err)
	}
}

// A packet too large for a datagram is refused with a clear error, and the
// path goes on.
func TestStreamRefusesOversizedPackets(t *testing.T) {
	p := newTestPath(t)
	s := &Stream{c: p.conn, pion: &pionWriter{}, twccID: 3}
	h := rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: 1, SSRC: 11}
	if _, err := s.WriteRTP(&h, make([]byte, 1500)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("oversized: %v, want ErrTooLarge", err)
	}
	h = rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: 2, SSRC: 11}
	if _, err := s.WriteRTP(&h, []byte("ok")); err != nil {
		t.Fatal(err)
	}
	if pkt := p.read(t); pkt.SequenceNumber != 2 {
		t.Errorf("after the refusal: %v", pkt.Header)
	}
}

// The write path allocates nothing per packet.
func TestStreamWriteAllocatesNothing(t *testing.T) {
	p := newTestPath(t)
	p.conn.sent = nil // the test's recorder appends
	s := &Stream{c: p.conn, pion: &pionWriter{}, twccID: 3}
	payload := make([]byte, 1100)
	h := rtp.Header{Version: 2, PayloadType: 96, SSRC: 11}
	allocs := testing.AllocsPerRun(1000, func() {
		if err := writeNext(s, &h, payload); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations per packet, want 0", allocs)
	}
}

// BenchmarkStreamWrite is the own write path per packet: numbering, SRTP
// (AES-128-GCM) and queueing on the batching socket (whose sendmmsg runs on
// its own goroutine, not counted in ns/op), for a 1 100-byte payload.
func BenchmarkStreamWrite(b *testing.B) {
	p := newTestPath(b)
	p.conn.sent = nil
	s := &Stream{c: p.conn, pion: &pionWriter{}, twccID: 3}
	benchmarkWrites(b, s)
}

// discard is a Socket that drops what it is given: it isolates the path's own
// work from the kernel's in BenchmarkStreamWriteNoSocket.
type discard struct{}

func (discard) WriteToAddrPort(b []byte, _ netip.AddrPort) (int, error) { return len(b), nil }

// BenchmarkStreamWriteNoSocket is BenchmarkStreamWrite without the socket:
// numbering, the estimator's record, marshalling and SRTP alone.
func BenchmarkStreamWriteNoSocket(b *testing.B) {
	k, _ := testKeys(b)
	est := &counter{}
	c := NewConn(k, discard{}, &counter{}, func(seq uint16, _ int, _ time.Time) { est.n = seq })
	if err := c.Enable(netip.MustParseAddrPort("127.0.0.1:9")); err != nil {
		b.Fatal(err)
	}
	s := &Stream{c: c, pion: &pionWriter{}, twccID: 3}
	benchmarkWrites(b, s)
}

// writeNext writes the packet after h's, as the forwarder does: a header
// rebuilt per packet.
func writeNext(s *Stream, h *rtp.Header, payload []byte) error {
	h.SequenceNumber++
	h.Extensions = h.Extensions[:0]
	h.Extension = false
	_, err := s.WriteRTP(h, payload)
	return err
}

// benchmarkWrites writes 1 100-byte packets through s.
func benchmarkWrites(b *testing.B, s *Stream) {
	payload := make([]byte, 1100)
	h := rtp.Header{Version: 2, PayloadType: 96, SSRC: 11}
	b.ReportAllocs()
	for b.Loop() {
		if err := writeNext(s, &h, payload); err != nil {
			b.Fatal(err)
		}
	}
}
