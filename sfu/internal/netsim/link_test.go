package netsim

import (
	"net"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// A capped link delivers at its rate, drops what overflows its queue, and
// passes everything once the cap is lifted.
func TestLinkCapsAndDropsTail(t *testing.T) {
	link := NewLink(800_000) // 100 kB/s
	n, err := NewNet(link)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	rx, err := n.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	tx, err := net.DialUDP("udp4", nil, rx.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()

	pkt := make([]byte, 1000)
	for range 100 { // 100 kB at once: 1 s at the cap, far more than the 200 ms queue
		if _, err := tx.Write(pkt); err != nil {
			t.Fatal(err)
		}
	}
	got := 0
	buf := make([]byte, 1500)
	start := time.Now()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			if _, _, err := rx.ReadFrom(buf); err != nil {
				return
			}
			got++
		}
	}()
	time.Sleep(600 * time.Millisecond)
	delivered, dropped, _ := link.Stats()
	if dropped == 0 {
		t.Errorf("a burst 5 times the queue lost nothing")
	}
	if delivered > 40 {
		t.Errorf("%d kB delivered in %v at 100 kB/s", delivered, time.Since(start))
	}
	link.SetRate(0)
	for range 50 {
		_, _ = tx.Write(pkt)
	}
	time.Sleep(200 * time.Millisecond)
	after, _, _ := link.Stats()
	if after-delivered < 45 {
		t.Errorf("uncapped: %d of 50 delivered", after-delivered)
	}
	_ = rx.Close()
	<-done
	t.Logf("capped: %d delivered, %d dropped; uncapped: %d delivered", delivered, dropped, after-delivered)
}
