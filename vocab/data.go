package vocab

// DataKind says how a data message travels.
type DataKind string

// Reliable messages are delivered in order or the session fails; lossy messages may
// be dropped when the receiver is behind, and never delay reliable ones.
const (
	DataReliable DataKind = "reliable"
	DataLossy    DataKind = "lossy"
)
