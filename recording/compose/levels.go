package compose

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"
)

// levelWindow is the time resolution of the audio levels the speaker layout
// is decided from.
const levelWindow = 100 * time.Millisecond

// levelRate is the sample rate the audio is decoded at to measure it: speech
// energy lies below 4 kHz, and a low rate keeps the decoding cheap.
const levelRate = 8000

// audioLevels decodes one audio file with ffmpeg to 8 kHz mono PCM and returns
// its mean power per levelWindow, from the file's start (1 is a full-scale
// square wave).
//
// The levels come from the decoded files rather than from the audio-level RTP
// header extension: the per-track files are the recording (they hold no
// header extensions), the decision can be made again from them afterwards,
// and publishers that send no levels (Go clients, bridges) get a speaker too.
func audioLevels(ctx context.Context, ffmpeg, path string) ([]float64, error) {
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, ffmpeg, "-nostdin", "-v", "error", "-i", path,
		"-ac", "1", "-ar", fmt.Sprint(levelRate), "-f", "s16le", "-")
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("compose: levels of %s: %w", path, err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%w: levels of %s: %w", ErrFFmpeg, path, err)
	}
	levels, readErr := windowPowers(bufio.NewReader(out), int(levelWindow*levelRate/time.Second))
	if err := cmd.Wait(); err != nil {
		return nil, fmt.Errorf("%w: levels of %s: %w: %s", ErrFFmpeg, path, err, strings.TrimSpace(stderr.String()))
	}
	if readErr != nil {
		return nil, fmt.Errorf("compose: levels of %s: %w", path, readErr)
	}
	return levels, nil
}

// windowPowers reads signed 16-bit little-endian samples and returns the mean
// power of each window of n samples (the last one partial).
func windowPowers(r io.Reader, n int) ([]float64, error) {
	var powers []float64
	var sum float64
	count := 0
	var b [2]byte
	for {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				break
			}
			return powers, err
		}
		v := float64(int16(binary.LittleEndian.Uint16(b[:]))) / 32768
		sum += v * v
		count++
		if count == n {
			powers = append(powers, sum/float64(n))
			sum, count = 0, 0
		}
	}
	if count > 0 {
		powers = append(powers, sum/float64(count))
	}
	return powers, nil
}
