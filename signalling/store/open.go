package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// BoltFileName is the store file inside the data directory.
const BoltFileName = "ensemble.db"

// Open picks the store the configuration asks for: Redis when one is configured
// (several nodes), else the bbolt file DataDir/ensemble.db (created with the directory).
func Open(ctx context.Context, dataDir string, redis RedisOptions) (Store, error) {
	if redis.Enabled() {
		return OpenRedis(ctx, redis)
	}
	if dataDir == "" {
		return nil, fmt.Errorf("open store: %w: no data directory and no Redis address", ErrInvalid)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	return OpenBolt(filepath.Join(dataDir, BoltFileName))
}
