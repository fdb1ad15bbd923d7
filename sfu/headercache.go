package sfu

import (
	"github.com/pion/interceptor"
	"github.com/pion/rtp"
)

// headerCache gives every stream a publisher sends one Attributes map and one
// parsed RTP header, reused for each packet. Pion's receiving interceptors
// (NACK generator, TWCC feedback, receiver reports) each ask the packet's
// Attributes for its parsed header; with none passed in, the first of them
// made a map and parsed the header into a new rtp.Header, for every packet
// received: in a 6-person room allocation and the page faults of a growing
// heap were a twentieth of the server's time, all of it for this (perf,
// BENCHMARKS.md). It comes first among the stream's readers, closest to
// SRTP, so that the others find the header parsed.
//
// Reusing them is safe because a stream is read by one goroutine at a time
// and no reader keeps the Attributes or the header past its Read: the
// forwarding layer reads only the packet's bytes.
type headerCache struct{ interceptor.NoOp }

type headerCacheFactory struct{}

func (headerCacheFactory) NewInterceptor(string) (interceptor.Interceptor, error) {
	return &headerCache{}, nil
}

// rtpHeaderKey is the key under which pion/interceptor keeps a parsed RTP
// header in Attributes. It is not exported: it is found once by asking
// Attributes to parse a header. Nil if that fails (a Pion that changed how it
// keeps the header): streams are then read without the cache.
var rtpHeaderKey = func() any {
	a := interceptor.Attributes{}
	if _, err := a.GetRTPHeader([]byte{0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1}); err != nil || len(a) != 1 {
		return nil
	}
	for k := range a {
		return k
	}
	return nil
}()

func (*headerCache) BindRemoteStream(_ *interceptor.StreamInfo, reader interceptor.RTPReader) interceptor.RTPReader {
	if rtpHeaderKey == nil {
		return reader
	}
	attrs := interceptor.Attributes{}
	hdr := &rtp.Header{}
	return interceptor.RTPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		n, a, err := reader.Read(b, a)
		if err != nil || a != nil {
			return n, a, err
		}
		clear(attrs)
		if _, err := hdr.Unmarshal(b[:n]); err != nil {
			// Left to the readers after it, which refuse the packet as
			// they would without the cache.
			return n, nil, nil
		}
		attrs[rtpHeaderKey] = hdr
		return n, attrs, nil
	})
}
