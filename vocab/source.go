package vocab

// Source says what a published track shows or plays. The permission to publish is
// granted per source (see Permissions.Sources).
type Source string

// The sources a participant can publish.
const (
	SourceCamera           Source = "camera"
	SourceMicrophone       Source = "microphone"
	SourceScreenShare      Source = "screen_share"
	SourceScreenShareAudio Source = "screen_share_audio"
)

// Valid reports whether s is one of the known sources.
func (s Source) Valid() bool {
	switch s {
	case SourceCamera, SourceMicrophone, SourceScreenShare, SourceScreenShareAudio:
		return true
	}
	return false
}

// Kind is the media kind of a track.
type Kind string

// Media kinds.
const (
	KindAudio Kind = "audio"
	KindVideo Kind = "video"
)

// Kind returns the media kind the source carries; empty for an unknown source.
func (s Source) Kind() Kind {
	switch s {
	case SourceCamera, SourceScreenShare:
		return KindVideo
	case SourceMicrophone, SourceScreenShareAudio:
		return KindAudio
	}
	return ""
}
