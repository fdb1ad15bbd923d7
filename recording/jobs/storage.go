package jobs

import "context"

// Storage keeps the files of finished recordings elsewhere than the local
// recordings directory (object storage: S3). Without one, files stay where
// they were written.
type Storage interface {
	// Location names where recording id's files go, for Recording.Location
	// ("s3://bucket/prefix/RC_…").
	Location(id string) string
	// Upload stores the local file path as the object of recording id called
	// name, and returns its key. It returns nil only once the object is
	// whole in the storage; it retries transient failures itself.
	Upload(ctx context.Context, id, name, path string) (key string, err error)
}
