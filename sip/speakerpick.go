package sip

import (
	"slices"
	"strings"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/ensemble-sfu/ensemble/vocab"
)

// speakerHold is how long a speaker must hold the floor (stay the loudest of
// those with a camera) before the caller is switched to their camera. The
// room announces speakers every 300 ms from levels smoothed over its ticks;
// a "yes", a laugh or a cough from someone else lasts under a second, and a
// switch is not free (a key frame asked of the new camera, a cut in the
// caller's picture). One second is what a speaker who goes on talking
// reaches at once and what those interjections do not, so the picture
// follows the conversation without flapping.
const speakerHold = time.Second

// roomCamera is an H.264 camera of another participant (or one with an H.264
// backup), one the caller can be shown as it is.
type roomCamera struct {
	participant string // SID
	track       string // SID
}

// cameraPicker decides which room camera a caller is shown: the camera of the
// loudest active speaker who is not the caller and publishes H.264, once they
// held the floor for hold; while nobody qualifies, the camera shown stays; a
// camera that went away gives way to another H.264 camera (the floor's, else
// the first published), or to none. It only decides: the call subscribes,
// switches and tells it what it shows. Times are given, so it is tested
// without sleeping.
type cameraPicker struct {
	self    string        // the caller's participant SID: never shown
	hold    time.Duration // speakerHold
	cameras []roomCamera  // in the order they were published
	// talking is the room's last list of active speakers, kept because the
	// room sends it only when it changes: a speaker whose camera is published
	// after they were named (a room system's audio comes before its video)
	// takes the floor when the camera comes, not at the next change.
	talking []vocab.SpeakerInfo
	floor   string    // the participant holding the floor ("" nobody)
	since   time.Time // since when
}

func newCameraPicker(self string, hold time.Duration) *cameraPicker {
	return &cameraPicker{self: self, hold: hold}
}

// published notes a track of another participant, or its description again:
// a camera in H.264, or with an H.264 backup (which the room sends the call
// under the camera's SID, since it takes H.264 only), is one the caller may
// be shown; a camera whose backup went away is no longer.
func (p *cameraPicker) published(participant string, t vocab.TrackInfo) {
	if participant == p.self || t.Source != vocab.SourceCamera {
		return
	}
	if !strings.EqualFold(t.MimeType, webrtc.MimeTypeH264) && !strings.EqualFold(t.BackupMimeType, webrtc.MimeTypeH264) {
		p.unpublished(t.SID)
		return
	}
	if p.cameraIndex(t.SID) >= 0 {
		return
	}
	p.cameras = append(p.cameras, roomCamera{participant: participant, track: t.SID})
}

// unpublished forgets a track.
func (p *cameraPicker) unpublished(track string) {
	if i := p.cameraIndex(track); i >= 0 {
		p.cameras = slices.Delete(p.cameras, i, i+1)
	}
}

// left forgets a participant's cameras.
func (p *cameraPicker) left(participant string) {
	p.cameras = slices.DeleteFunc(p.cameras, func(c roomCamera) bool { return c.participant == participant })
	if p.floor == participant {
		p.floor = ""
	}
}

// speakers takes the room's active speakers (loudest first); the next pick
// gives the floor from them (refloor).
func (p *cameraPicker) speakers(list []vocab.SpeakerInfo) {
	p.talking = append(p.talking[:0], list...)
}

// refloor gives the floor to the loudest speaker of the last list who is not
// the caller and has an H.264 camera now, from now on unless they held it
// already; nobody such: nobody holds it.
func (p *cameraPicker) refloor(now time.Time) {
	floor := ""
	for _, s := range p.talking {
		if s.ParticipantSID != p.self && p.cameraOf(s.ParticipantSID) != "" {
			floor = s.ParticipantSID
			break
		}
	}
	if floor != p.floor {
		p.floor, p.since = floor, now
	}
}

// pick says which camera to show at now, given the one shown ("" none), and
// when to ask again if the floor's holder has not held it long enough yet
// (0: not before the next change).
func (p *cameraPicker) pick(shown string, now time.Time) (track string, recheck time.Duration) {
	p.refloor(now) // cameras came or went since the last list
	shownLive := shown != "" && p.cameraIndex(shown) >= 0
	if cam := p.cameraOf(p.floor); cam != "" && cam != shown {
		if !shownLive {
			return cam, 0 // nothing to keep: no need to wait
		}
		if held := now.Sub(p.since); held < p.hold {
			return shown, p.hold - held
		}
		return cam, 0
	}
	if shownLive {
		return shown, 0
	}
	if len(p.cameras) > 0 {
		return p.cameras[0].track, 0
	}
	return "", 0
}

func (p *cameraPicker) cameraIndex(track string) int {
	return slices.IndexFunc(p.cameras, func(c roomCamera) bool { return c.track == track })
}

// cameraOf is a participant's H.264 camera ("" none): the first they
// published.
func (p *cameraPicker) cameraOf(participant string) string {
	if participant == "" {
		return ""
	}
	for _, c := range p.cameras {
		if c.participant == participant {
			return c.track
		}
	}
	return ""
}
