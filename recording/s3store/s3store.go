package s3store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

var (
	// ErrCredentials: the storage refused the access key or the secret key.
	ErrCredentials = errors.New("s3: access refused: check recording.s3.access_key and recording.s3.secret_key")
	// ErrNoBucket: the bucket does not exist.
	ErrNoBucket = errors.New("s3: no such bucket: create it or fix recording.s3.bucket")
	// ErrConfig: the configuration is incomplete.
	ErrConfig = errors.New("s3: invalid configuration")
)

// Defaults.
const (
	DefaultAttempts   = 5
	DefaultMinBackoff = 500 * time.Millisecond
	maxBackoff        = 30 * time.Second
	// DefaultPartSize is the size of the parts of a multipart upload; S3's
	// smallest part is 5 MiB.
	DefaultPartSize = 16 << 20
)

// Config says which bucket, and how to reach it.
type Config struct {
	// Endpoint is host[:port]; Insecure talks plain HTTP to it.
	Endpoint string
	Insecure bool
	Bucket   string
	Region   string
	// AccessKey and SecretKey are the credentials.
	AccessKey, SecretKey string
	// Prefix starts every key ("recordings/").
	Prefix string
	// Attempts of one upload (default DefaultAttempts); MinBackoff the first
	// wait between them, doubling (default DefaultMinBackoff).
	Attempts   int
	MinBackoff time.Duration
	// PartSize of multipart uploads (default DefaultPartSize, at least 5 MiB).
	PartSize uint64
	Logger   *slog.Logger
}

// Store uploads recordings to one bucket.
type Store struct {
	cfg Config
	c   *minio.Client
	log *slog.Logger
}

// New connects and checks that the credentials open the bucket: ErrCredentials
// or ErrNoBucket when they do not. Other failures (the endpoint is down) are
// returned as they are; the caller may start anyway and let uploads retry.
func New(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Endpoint == "" || cfg.Bucket == "" {
		return nil, fmt.Errorf("%w: endpoint and bucket are required", ErrConfig)
	}
	if cfg.Attempts <= 0 {
		cfg.Attempts = DefaultAttempts
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = DefaultMinBackoff
	}
	if cfg.PartSize == 0 {
		cfg.PartSize = DefaultPartSize
	}
	if cfg.PartSize < 5<<20 {
		return nil, fmt.Errorf("%w: part size %d is under S3's 5 MiB", ErrConfig, cfg.PartSize)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	c, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: !cfg.Insecure, Region: cfg.Region,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	s := &Store{cfg: cfg, c: c, log: log.With("component", "s3", "bucket", cfg.Bucket)}
	return s, s.Check(ctx)
}

// Check asks the storage whether the bucket exists and the credentials open it.
func (s *Store) Check(ctx context.Context) error {
	ok, err := s.c.BucketExists(ctx, s.cfg.Bucket)
	if err != nil {
		return classify(err)
	}
	if !ok {
		return fmt.Errorf("%w: %q on %s", ErrNoBucket, s.cfg.Bucket, s.cfg.Endpoint)
	}
	return nil
}

// classify turns the storage's refusals into this package's errors.
func classify(err error) error {
	resp := minio.ToErrorResponse(err)
	switch resp.Code {
	// XAdminUserNotFound is versitygw's answer (404) to an unknown access key.
	case "InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "InvalidToken", "ExpiredToken", "XAdminUserNotFound":
		return fmt.Errorf("%w: %w", ErrCredentials, err)
	case "NoSuchBucket":
		return fmt.Errorf("%w: %w", ErrNoBucket, err)
	}
	if resp.StatusCode == http.StatusForbidden {
		return fmt.Errorf("%w: %w", ErrCredentials, err)
	}
	return fmt.Errorf("s3: %w", err)
}

// permanent reports whether retrying cannot help.
func permanent(err error) bool {
	return errors.Is(err, ErrCredentials) || errors.Is(err, ErrNoBucket) || errors.Is(err, context.Canceled) ||
		errors.Is(err, context.DeadlineExceeded)
}

// Key is the object key of recording id's file name.
func (s *Store) Key(id, name string) string { return s.cfg.Prefix + path.Join(id, name) }

// Location implements jobs.Storage.
func (s *Store) Location(id string) string {
	return "s3://" + s.cfg.Bucket + "/" + strings.TrimSuffix(s.Key(id, ""), "/")
}

// Upload implements jobs.Storage: it stores the file at local path as recording
// id's object name, retrying transient failures with a doubling back-off, and
// returns its key once the object is whole.
func (s *Store) Upload(ctx context.Context, id, name, local string) (string, error) {
	key := s.Key(id, name)
	wait := s.cfg.MinBackoff
	var err error
	for attempt := 1; attempt <= s.cfg.Attempts; attempt++ {
		_, err = s.c.FPutObject(ctx, s.cfg.Bucket, key, local, minio.PutObjectOptions{
			PartSize: s.cfg.PartSize, ContentType: contentType(name),
		})
		if err == nil {
			return key, nil
		}
		err = classify(err)
		if permanent(err) || attempt == s.cfg.Attempts {
			break
		}
		s.log.Warn("s3 upload failed; retrying", "key", key, "attempt", attempt, "wait", wait, "err", err)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return "", fmt.Errorf("s3: upload %s: %w", key, ctx.Err())
		}
		wait = min(2*wait, maxBackoff)
	}
	return "", fmt.Errorf("s3: upload %s: %w", key, err)
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".ogg":
		return "audio/ogg"
	case ".webm":
		return "video/webm"
	case ".mkv":
		return "video/x-matroska"
	case ".mp4":
		return "video/mp4"
	case ".json":
		return "application/json"
	}
	return "application/octet-stream"
}
