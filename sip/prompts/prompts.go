// Package prompts holds the SIP gateway's spoken prompts, English then French
// in each, generated offline by generate.sh (espeak-ng and sox) and embedded:
// 16 kHz mono WAV files, given as PCM at the rate of a call's codec.
package prompts

import (
	"embed"
	"encoding/binary"
	"fmt"
)

//go:embed *.wav
var files embed.FS

// Prompt names.
const (
	EnterNumber = "enter-number" // "Enter the meeting number, followed by the hash key."
	WrongNumber = "wrong-number" // "This meeting number is not known. Please try again."
	Goodbye     = "goodbye"      // "Sorry, we could not find your meeting. Goodbye."
)

// sourceRate is the rate the WAV files are recorded at.
const sourceRate = 16000

// PCM returns prompt name as mono PCM at rate (8000, 16000 or 48000 Hz).
// Halving averages sample pairs (a crude low-pass, enough for speech under
// G.711's 3.4 kHz band); tripling interpolates linearly.
func PCM(name string, rate int) ([]int16, error) {
	b, err := files.ReadFile(name + ".wav")
	if err != nil {
		return nil, fmt.Errorf("prompts: %w", err)
	}
	pcm, err := wavPCM(b)
	if err != nil {
		return nil, fmt.Errorf("prompts: %s: %w", name, err)
	}
	switch rate {
	case sourceRate:
		return pcm, nil
	case sourceRate / 2:
		out := make([]int16, len(pcm)/2)
		for i := range out {
			out[i] = int16((int32(pcm[2*i]) + int32(pcm[2*i+1])) / 2)
		}
		return out, nil
	case sourceRate * 3:
		out := make([]int16, 3*len(pcm))
		for i, s := range pcm {
			next := s
			if i+1 < len(pcm) {
				next = pcm[i+1]
			}
			for k := range 3 {
				out[3*i+k] = int16(int32(s) + (int32(next)-int32(s))*int32(k)/3)
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("prompts: no conversion from %d Hz to %d Hz", sourceRate, rate)
}

// wavPCM reads the 16-bit mono samples of a WAV file.
func wavPCM(b []byte) ([]int16, error) {
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, fmt.Errorf("not a WAV file")
	}
	for off := 12; off+8 <= len(b); {
		id, size := string(b[off:off+4]), int(binary.LittleEndian.Uint32(b[off+4:]))
		body := b[off+8 : min(len(b), off+8+size)]
		switch id {
		case "fmt ":
			if len(body) < 16 || binary.LittleEndian.Uint16(body[2:]) != 1 ||
				binary.LittleEndian.Uint32(body[4:]) != sourceRate || binary.LittleEndian.Uint16(body[14:]) != 16 {
				return nil, fmt.Errorf("not 16-bit mono PCM at %d Hz", sourceRate)
			}
		case "data":
			pcm := make([]int16, len(body)/2)
			for i := range pcm {
				pcm[i] = int16(binary.LittleEndian.Uint16(body[2*i:]))
			}
			return pcm, nil
		}
		off += 8 + size + size%2
	}
	return nil, fmt.Errorf("no data chunk")
}
