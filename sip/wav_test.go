package sip_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
)

// writeWAV writes 16-bit mono PCM as a WAV file (what baresip's aufile reads).
func writeWAV(path string, rate int, pcm []int16) error {
	data := make([]byte, 44+2*len(pcm))
	copy(data[0:], "RIFF")
	binary.LittleEndian.PutUint32(data[4:], uint32(36+2*len(pcm)))
	copy(data[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(data[16:], 16)
	binary.LittleEndian.PutUint16(data[20:], 1) // PCM
	binary.LittleEndian.PutUint16(data[22:], 1) // mono
	binary.LittleEndian.PutUint32(data[24:], uint32(rate))
	binary.LittleEndian.PutUint32(data[28:], uint32(2*rate))
	binary.LittleEndian.PutUint16(data[32:], 2)
	binary.LittleEndian.PutUint16(data[34:], 16)
	copy(data[36:], "data")
	binary.LittleEndian.PutUint32(data[40:], uint32(2*len(pcm)))
	for i, s := range pcm {
		binary.LittleEndian.PutUint16(data[44+2*i:], uint16(s))
	}
	return os.WriteFile(path, data, 0o644)
}

// readWAV reads a 16-bit PCM WAV file (baresip's sndfile dumps), mixing
// channels down to the first one.
func readWAV(path string) (pcm []int16, rate int, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, err
	}
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, 0, errors.New("not a WAV file")
	}
	channels := 1
	for off := 12; off+8 <= len(b); {
		id, size := string(b[off:off+4]), int(binary.LittleEndian.Uint32(b[off+4:]))
		body := b[off+8 : min(len(b), off+8+size)]
		switch id {
		case "fmt ":
			if len(body) < 16 || binary.LittleEndian.Uint16(body[14:]) != 16 {
				return nil, 0, fmt.Errorf("not 16-bit PCM")
			}
			channels = int(binary.LittleEndian.Uint16(body[2:]))
			rate = int(binary.LittleEndian.Uint32(body[4:]))
		case "data":
			for i := 0; i+2*channels <= len(body); i += 2 * channels {
				pcm = append(pcm, int16(binary.LittleEndian.Uint16(body[i:])))
			}
			return pcm, rate, nil
		}
		off += 8 + size + size%2
	}
	return nil, 0, errors.New("no data chunk")
}
