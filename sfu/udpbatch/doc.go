// Package udpbatch is the server's media socket: a UDP socket whose writes are
// gathered into batches and sent with one sendmmsg system call per batch,
// made as a raw system call so that the scheduler does not hand the
// flusher's P to another thread while the kernel sends (see rawSender). Its
// reads are raw system calls too, so that a datagram arriving at an idle
// server does not wake the scheduler's monitor into polling every 20 µs (see
// rawReceiver).
//
// It replaces pion/transport's udp.BatchConn, whose flusher goroutine ticks
// every millisecond for the life of the socket, so that an idle server kept a
// few per cent of a core busy doing nothing. Here the flush timer is armed only
// by the write that puts the first datagram in an empty batch: a socket with
// nothing queued costs nothing. A batch is sent when it is full or when the
// timer fires (at most FlushAfter after its first datagram), whichever comes
// first, as udp.BatchConn does.
//
// With Options.Segment, a batch's datagrams for one destination go together:
// those that follow each other and have one size (the last may be shorter, as
// a video frame's last packet is) are handed to the kernel as one message with
// UDP_SEGMENT (UDP generic segmentation offload), which cuts it into datagrams
// again below the socket layer, so that the per-datagram cost of the socket
// and IP layers is paid once per run. Each destination's datagrams keep their
// order. It pays only when a batch holds several datagrams per destination:
// batches large enough to hold a video frame's packets for every subscriber.
// A device that cannot checksum segments (EIO) turns it off for the socket.
//
// Conn also implements ice.AddrPortReaderWriter, so that Pion's ICE UDP mux
// reads and writes through it with netip.AddrPort addresses, without a
// net.Addr allocated per datagram.
//
//	uc, _ := net.ListenUDP("udp4", &net.UDPAddr{IP: ip, Port: port})
//	conn := udpbatch.New(uc, udpbatch.Options{BatchSize: 64, FlushAfter: 2 * time.Millisecond})
//	mux := ice.NewUDPMuxDefault(ice.UDPMuxParams{UDPConn: conn})
//	...
//	_ = mux.Close() // closes conn, which stops its flusher and closes uc
//
// On systems without sendmmsg (not Linux) every write goes straight to the
// socket.
package udpbatch
