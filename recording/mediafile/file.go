package mediafile

import (
	"fmt"
	"os"
)

// syncedFile is the file under a container writer. The writers close what they
// were given (ebml-go does so itself), so closing here first syncs: a file is
// on disk when its writer's Close returns.
type syncedFile struct {
	*os.File
	size int64
}

func createFile(path string) (*syncedFile, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("mediafile: %w", err)
	}
	return &syncedFile{File: f}, nil
}

func (f *syncedFile) Close() error {
	if st, err := f.Stat(); err == nil {
		f.size = st.Size()
	}
	if err := f.Sync(); err != nil {
		_ = f.File.Close()
		return fmt.Errorf("mediafile: sync %s: %w", f.Name(), err)
	}
	if err := f.File.Close(); err != nil {
		return fmt.Errorf("mediafile: close %s: %w", f.Name(), err)
	}
	return nil
}
