// Package mediafile writes the encoded frames of one received track to a file
// of the container its codec belongs in, without transcoding: Opus to Ogg
// (Pion's oggwriter), VP8 and VP9 to WebM, H.264 and AV1 to Matroska (both
// with at-wat/ebml-go). It knows containers and codec bitstreams (which frame
// is a key frame, a VP8 frame's size); it knows nothing of RTP, rooms or time
// lines: the caller hands it whole frames at their position in the file.
//
//	w, err := mediafile.Create(dir+"/cam.webm", mediafile.Track{MimeType: webrtc.MimeTypeVP8, Width: 640, Height: 360})
//	_ = w.WriteFrame(frame, 40*time.Millisecond) // position from the file's start
//	err = w.Close()                              // flushed, synced and closed
//
// A Writer is not safe for concurrent use: one track's goroutine owns it.
package mediafile
