package writepath

import (
	"crypto/rand"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"

	"github.com/ensemble-sfu/ensemble/sfu/udpbatch"
)

// BenchmarkDirectWrite measures the floor of the write path issue 13 asks for:
// per subscriber, one srtp.Context (AES-128-GCM) encrypts the packet, with a
// transport-wide sequence number extension, and the datagram is queued on one
// udpbatch.Conn shared by every subscriber, as sfu.Engine's media socket is —
// no PeerConnection, interceptor or ICE mux on the way. With decrypt, each
// subscriber is a socket whose goroutine decrypts what arrives, as the
// PeerConnection sinks of BenchmarkWritePath do, so ns/subscriber compares
// with it; without, nobody reads the sockets (the kernel still delivers to
// them, and drops what overflows), which is the sending side's cost alone.
func BenchmarkDirectWrite(b *testing.B) {
	for _, decrypt := range []bool{true, false} {
		for _, n := range []int{1, 10, 150} {
			b.Run(fmt.Sprintf("decrypt=%v/subscribers=%d", decrypt, n), func(b *testing.B) { benchmarkDirectWrite(b, n, decrypt) })
		}
	}
}

// directSubscriber is one subscriber of BenchmarkDirectWrite: its sending
// context and buffers on the SFU side, its socket on the other.
type directSubscriber struct {
	to     netip.AddrPort
	ctx    *srtp.Context
	hdr    rtp.Header
	twcc   [2]byte
	plain  []byte
	cipher []byte
	sock   *net.UDPConn
}

// BenchmarkDirectWriteSegmented is BenchmarkDirectWrite without decryption
// through sockets as sfu.Engine opens its media socket now (batches of 1024,
// with and without UDP_SEGMENT), and reports the process's CPU time (user +
// system, which holds the kernel's loopback delivery to the sockets) per
// datagram: the flusher runs on the other core, so time per operation alone
// would not show what segmentation saves.
func BenchmarkDirectWriteSegmented(b *testing.B) {
	for _, segment := range []bool{false, true} {
		for _, n := range []int{10, 150} {
			b.Run(fmt.Sprintf("segment=%v/subscribers=%d", segment, n), func(b *testing.B) {
				benchmarkDirectWriteWith(b, n, false, udpbatch.Options{BatchSize: 1024, FlushAfter: 2 * time.Millisecond, Segment: segment})
			})
		}
	}
}

func benchmarkDirectWrite(b *testing.B, n int, decrypt bool) {
	benchmarkDirectWriteWith(b, n, decrypt, udpbatch.Options{BatchSize: 64, FlushAfter: 2 * time.Millisecond})
}

func benchmarkDirectWriteWith(b *testing.B, n int, decrypt bool, opts udpbatch.Options) {
	uc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	if err := uc.SetWriteBuffer(4 << 20); err != nil {
		b.Fatal(err)
	}
	conn, err := udpbatch.New(uc, opts)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	subs := make([]*directSubscriber, n)
	var receivers sync.WaitGroup
	defer receivers.Wait()
	for i := range subs {
		s, err := newDirectSubscriber(uint32(1000 + i))
		if err != nil {
			b.Fatal(err)
		}
		subs[i] = s
		defer s.sock.Close()
		key, salt := make([]byte, 16), make([]byte, 12)
		_, _ = rand.Read(key)
		_, _ = rand.Read(salt)
		if s.ctx, err = srtp.CreateContext(key, salt, srtp.ProtectionProfileAeadAes128Gcm); err != nil {
			b.Fatal(err)
		}
		rx, err := srtp.CreateContext(key, salt, srtp.ProtectionProfileAeadAes128Gcm)
		if err != nil {
			b.Fatal(err)
		}
		if decrypt {
			receivers.Add(1)
			go func() { defer receivers.Done(); decryptUntilClosed(s.sock, rx) }()
		}
	}
	payload := make([]byte, 1200)
	payload[0] = 0x10
	b.ReportAllocs()
	b.SetBytes(int64(len(payload) * n))
	var seq uint16
	cpu0 := processCPU(b)
	for b.Loop() {
		seq++
		for _, s := range subs {
			if err := s.send(conn, seq, payload); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/subscriber")
	if !decrypt {
		b.ReportMetric(float64((processCPU(b)-cpu0).Nanoseconds())/float64(b.N)/float64(n), "cpu-ns/datagram")
	}
}

// processCPU is the process's user and system time so far.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func newDirectSubscriber(ssrc uint32) (*directSubscriber, error) {
	sock, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, err
	}
	if err := sock.SetReadBuffer(1 << 20); err != nil {
		_ = sock.Close()
		return nil, err
	}
	return &directSubscriber{
		to:     sock.LocalAddr().(*net.UDPAddr).AddrPort(),
		hdr:    rtp.Header{Version: 2, PayloadType: 96, SSRC: ssrc, Extensions: make([]rtp.Extension, 0, 4)},
		plain:  make([]byte, 1500),
		cipher: make([]byte, 0, 1500),
		sock:   sock,
	}, nil
}

// send writes one packet as the direct path would: header rewritten with a
// transport-wide sequence number, marshalled, encrypted, queued.
func (s *directSubscriber) send(conn *udpbatch.Conn, seq uint16, payload []byte) error {
	h := &s.hdr
	h.SequenceNumber = seq
	h.Timestamp += 3000
	h.Extension, h.Extensions = false, h.Extensions[:0]
	s.twcc = [2]byte{byte(seq >> 8), byte(seq)}
	if err := h.SetExtension(3, s.twcc[:]); err != nil {
		return err
	}
	hn, err := h.MarshalTo(s.plain)
	if err != nil {
		return err
	}
	n := hn + copy(s.plain[hn:], payload)
	out, err := s.ctx.EncryptRTP(s.cipher[:0], s.plain[:n], h)
	if err != nil {
		return err
	}
	_, err = conn.WriteToAddrPort(out, s.to)
	return err
}

// decryptUntilClosed is the subscriber's side: every datagram is decrypted,
// as a PeerConnection would.
func decryptUntilClosed(sock *net.UDPConn, ctx *srtp.Context) {
	buf, plain := make([]byte, 1500), make([]byte, 0, 1500)
	var h rtp.Header
	for {
		n, err := sock.Read(buf)
		if err != nil {
			return
		}
		_, _ = ctx.DecryptRTP(plain[:0], buf[:n], &h)
	}
}
