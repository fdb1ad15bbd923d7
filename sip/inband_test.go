package sip_test

import (
	"context"
	"fmt"
	"math"
	"net"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/sip"
)

// dtmfPCM is keys as DTMF tones at rate (100 ms on, 100 ms off), after lead
// seconds of silence.
func dtmfPCM(keys string, rate int, lead float64) []int16 {
	pairs := map[rune][2]float64{
		'1': {697, 1209}, '2': {697, 1336}, '3': {697, 1477}, '4': {770, 1209}, '5': {770, 1336},
		'6': {770, 1477}, '7': {852, 1209}, '8': {852, 1336}, '9': {852, 1477}, '*': {941, 1209},
		'0': {941, 1336}, '#': {941, 1477},
	}
	pcm := make([]int16, int(lead*float64(rate)))
	for _, k := range keys {
		f := pairs[k]
		for i := range rate / 10 {
			t := float64(i) / float64(rate)
			pcm = append(pcm, int16(7000*(math.Sin(2*math.Pi*f[0]*t)+math.Sin(2*math.Pi*f[1]*t))))
		}
		pcm = append(pcm, make([]int16, rate/10)...)
	}
	return pcm
}

// sdpStripper relays SIP over UDP between baresip and the bridge, taking
// telephone-event out of the SDP offers on the way: baresip 1.0 always offers
// it, and no setting says otherwise.
type sdpStripper struct {
	conn     *net.UDPConn
	bridge   *net.UDPAddr
	stripped atomic.Int32
	wg       sync.WaitGroup
}

func startSDPStripper(t *testing.T, bridge *net.UDPAddr) *sdpStripper {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	s := &sdpStripper{conn: conn, bridge: bridge}
	s.wg.Go(s.relay)
	t.Cleanup(func() {
		conn.Close()
		s.wg.Wait()
	})
	return s
}

func (s *sdpStripper) port() int { return s.conn.LocalAddr().(*net.UDPAddr).Port }

func (s *sdpStripper) relay() {
	buf := make([]byte, 65535)
	var phone *net.UDPAddr
	for {
		n, from, err := s.conn.ReadFromUDP(buf)
		if err != nil {
			return
		}
		msg := string(buf[:n])
		if from.AddrPort() == s.bridge.AddrPort() {
			if phone != nil {
				_, _ = s.conn.WriteToUDP([]byte(msg), phone)
			}
			continue
		}
		phone = from
		if out, ok := stripTelephoneEvent(msg); ok {
			msg = out
			s.stripped.Add(1)
		}
		_, _ = s.conn.WriteToUDP([]byte(msg), s.bridge)
	}
}

var eventRtpmap = regexp.MustCompile(`a=rtpmap:(\d+) telephone-event/`)

// stripTelephoneEvent takes telephone-event out of a SIP message's SDP.
func stripTelephoneEvent(msg string) (string, bool) {
	head, body, ok := strings.Cut(msg, "\r\n\r\n")
	m := eventRtpmap.FindStringSubmatch(body)
	if !ok || m == nil {
		return msg, false
	}
	pt := m[1]
	var lines []string
	for _, l := range strings.Split(body, "\r\n") {
		switch {
		case strings.HasPrefix(l, "a=rtpmap:"+pt+" "), strings.HasPrefix(l, "a=fmtp:"+pt+" "):
			continue
		case strings.HasPrefix(l, "m=audio "):
			l = strings.Replace(l+" ", " "+pt+" ", " ", 1)
			l = strings.TrimSuffix(l, " ")
		}
		lines = append(lines, l)
	}
	body = strings.Join(lines, "\r\n")
	var hs []string
	for _, h := range strings.Split(head, "\r\n") {
		if k, _, _ := strings.Cut(h, ":"); strings.EqualFold(strings.TrimSpace(k), "Content-Length") || strings.EqualFold(strings.TrimSpace(k), "l") {
			h = "Content-Length: " + strconv.Itoa(len(body))
		}
		hs = append(hs, h)
	}
	return strings.Join(hs, "\r\n") + "\r\n\r\n" + body, true
}

// A phone that offers no telephone-event types the meeting number as tones
// in its audio: baresip calls the gateway number playing a file with the
// tones of 1 2 #, is put in the meeting's room, and the tone of 7 it plays
// next reaches the room as a key press.
func TestBaresipInBandDTMFJoinsTheMeeting(t *testing.T) {
	room := "inband-room"
	e := newEnv(t, func(c *sip.Config) { c.GatewayNumber = "100"; c.Meetings = pinMeetings{room} })
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	alice := e.watchRoom(t, ctx, room, "alice")
	pcm := dtmfPCM("12#", 8000, 1.5)
	pcm = append(pcm, dtmfPCM("7", 8000, 1.5)...)
	pcm = append(pcm, make([]int16, 8000*30)...)
	wav := filepath.Join(t.TempDir(), "keys.wav")
	if err := writeWAV(wav, 8000, pcm); err != nil {
		t.Fatal(err)
	}
	relay := startSDPStripper(t, net.UDPAddrFromAddrPort(e.bridge.Addr()))
	ua := startBaresip(t, wav, "PCMU/8000/1", "Tones", fmt.Sprintf("sip:100@127.0.0.1:%d", relay.port()))
	if p := alice.joinedSIP(t, ctx, "the caller typing tones"); p.Name != "Tones" {
		t.Fatalf("joined as %q", p.Name)
	}
	if relay.stripped.Load() == 0 {
		t.Fatal("baresip's offer had no telephone-event to take out: the test proves nothing")
	}
	select {
	case k := <-alice.keys:
		if k != "7" {
			t.Fatalf("the room got key %q, want 7", k)
		}
	case <-ctx.Done():
		t.Fatal("the tone of 7 never reached the room")
	}
	ua.stop(ctx)
	waitFor(t, ctx, "the call to end", func() bool { return e.bridge.Calls() == 0 })
}
