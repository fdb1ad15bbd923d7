package protocol

// TypePublisherBackup (server → client) asks a publisher to send a backup of one
// of its video tracks in another codec, or tells it that it may stop it.
const TypePublisherBackup = "publisher_backup" // PublisherBackupEvent

// PublisherBackupEvent: while Enabled, someone in the room cannot decode the
// track's codec but decodes MimeType: the publisher adds the same picture in
// MimeType with add_track and backup_of = TrackSID (a browser sends a second,
// smaller encoding of its camera). When Enabled is false, nobody needs the
// backup any more and the publisher unpublishes it. A publisher that cannot
// encode MimeType ignores the request; the subscribers that need it then get
// no video of that track.
type PublisherBackupEvent struct {
	TrackSID string `json:"track_sid"`
	MimeType string `json:"mime_type"`
	Enabled  bool   `json:"enabled"`
}
