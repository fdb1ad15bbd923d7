package twccext

import (
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
)

// recorder is the next writer: it keeps the transport sequence number it saw.
type recorder struct {
	mu   sync.Mutex
	seqs []uint16
	id   uint8
}

func (r *recorder) Write(h *rtp.Header, payload []byte, _ interceptor.Attributes) (int, error) {
	var ext rtp.TransportCCExtension
	if err := ext.Unmarshal(h.GetExtension(r.id)); err != nil {
		return 0, err
	}
	r.mu.Lock()
	r.seqs = append(r.seqs, ext.TransportSequence)
	r.mu.Unlock()
	return len(payload), nil
}

func bind(t *testing.T, ic interceptor.Interceptor, id int, next interceptor.RTPWriter) interceptor.RTPWriter {
	t.Helper()
	info := &interceptor.StreamInfo{RTPHeaderExtensions: []interceptor.RTPHeaderExtension{
		{URI: sdp.SDESMidURI, ID: 1}, {URI: sdp.TransportCCURI, ID: id},
	}}
	return ic.BindLocalStream(info, next)
}

func TestNumbersAreTransportWideAndConsecutive(t *testing.T) {
	ic, err := Factory{}.NewInterceptor("")
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{id: 3}
	audio, video := bind(t, ic, 3, rec), bind(t, ic, 3, rec)
	for i := range 70000 { // past the 16-bit wrap
		w := audio
		if i%3 != 0 {
			w = video
		}
		if _, err := w.Write(&rtp.Header{Version: 2, SequenceNumber: uint16(i)}, []byte{1}, nil); err != nil {
			t.Fatal(err)
		}
	}
	for i, s := range rec.seqs {
		if s != uint16(i) {
			t.Fatalf("packet %d has transport sequence %d, want %d", i, s, uint16(i))
		}
	}
}

func TestStreamWithoutExtensionPassesThrough(t *testing.T) {
	ic, _ := Factory{}.NewInterceptor("")
	rec := &recorder{}
	info := &interceptor.StreamInfo{RTPHeaderExtensions: []interceptor.RTPHeaderExtension{{URI: sdp.SDESMidURI, ID: 1}}}
	if got := ic.BindLocalStream(info, rec); got != interceptor.RTPWriter(rec) {
		t.Fatalf("stream without transport-cc got wrapped: %T", got)
	}
}

func TestNilHeaderIsRefused(t *testing.T) {
	ic, _ := Factory{}.NewInterceptor("")
	w := bind(t, ic, 5, &recorder{id: 5})
	if _, err := w.Write(nil, nil, nil); !errors.Is(err, ErrNilHeader) {
		t.Fatalf("err = %v, want ErrNilHeader", err)
	}
}

func TestConcurrentWritersGetDistinctNumbers(t *testing.T) {
	ic, _ := Factory{}.NewInterceptor("")
	rec := &recorder{id: 4}
	const writers, each = 4, 500
	var wg sync.WaitGroup
	for range writers {
		w := bind(t, ic, 4, rec)
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := &rtp.Header{Version: 2}
			for range each {
				if _, err := w.Write(h, []byte{1}, nil); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	seen := make(map[uint16]bool, writers*each)
	for _, s := range rec.seqs {
		if seen[s] {
			t.Fatalf("transport sequence %d used twice", s)
		}
		seen[s] = true
	}
	if len(seen) != writers*each {
		t.Fatalf("%d numbers, want %d", len(seen), writers*each)
	}
}

type discard struct{}

func (discard) Write(_ *rtp.Header, p []byte, _ interceptor.Attributes) (int, error) {
	return len(p), nil
}

func TestWriteAllocatesNothing(t *testing.T) {
	ic, _ := Factory{}.NewInterceptor("")
	w := bind(t, ic, 3, discard{})
	h := &rtp.Header{Version: 2, Extensions: make([]rtp.Extension, 0, 4)}
	payload := make([]byte, 1200)
	if allocs := testing.AllocsPerRun(1000, func() { _, _ = w.Write(h, payload, nil) }); allocs != 0 {
		t.Fatalf("%v allocations per write, want 0", allocs)
	}
}

func BenchmarkWrite(b *testing.B) {
	ic, _ := Factory{}.NewInterceptor("")
	info := &interceptor.StreamInfo{RTPHeaderExtensions: []interceptor.RTPHeaderExtension{{URI: sdp.TransportCCURI, ID: 3}}}
	w := ic.BindLocalStream(info, discard{})
	h := &rtp.Header{Version: 2, Extensions: make([]rtp.Extension, 0, 4)}
	payload := make([]byte, 1200)
	b.ReportAllocs()
	for b.Loop() {
		_, _ = w.Write(h, payload, nil)
	}
}

// Retransmissions on the RTX SSRC carry no transport-wide number (a number
// left on a reused header included), and take none from the media's run: a
// receiver addresses its feedback to the SSRC of the last numbered packet,
// and feedback addressed to an RTX SSRC is never read by Pion.
func TestRetransmissionsAreNotNumbered(t *testing.T) {
	ic, _ := Factory{}.NewInterceptor("")
	info := &interceptor.StreamInfo{SSRC: 10, SSRCRetransmission: 11,
		RTPHeaderExtensions: []interceptor.RTPHeaderExtension{{URI: sdp.TransportCCURI, ID: 3}}}
	var got []string
	w := ic.BindLocalStream(info, interceptor.RTPWriterFunc(func(h *rtp.Header, _ []byte, _ interceptor.Attributes) (int, error) {
		var ext rtp.TransportCCExtension
		if raw := h.GetExtension(3); raw == nil {
			got = append(got, "none")
		} else if err := ext.Unmarshal(raw); err != nil {
			t.Fatal(err)
		} else {
			got = append(got, string(rune('0'+ext.TransportSequence)))
		}
		return 0, nil
	}))
	reused := &rtp.Header{Version: 2, SSRC: 10}
	for _, ssrc := range []uint32{10, 11, 10, 11} {
		reused.SSRC = ssrc
		if _, err := w.Write(reused, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	if want := []string{"0", "none", "1", "none"}; !slices.Equal(got, want) {
		t.Fatalf("transport numbers %v, want %v", got, want)
	}
}
