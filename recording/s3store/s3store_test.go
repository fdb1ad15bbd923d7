package s3store_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/recording/internal/s3test"
	"github.com/ensemble-sfu/ensemble/recording/s3store"
)

func config(s *s3test.Server) s3store.Config {
	return s3store.Config{Endpoint: s.Endpoint, Insecure: true, Bucket: s.Bucket, AccessKey: s.AccessKey,
		SecretKey: s.SecretKey, Prefix: "rec/", PartSize: 5 << 20, MinBackoff: 10 * time.Millisecond, Attempts: 3}
}

// A file larger than the part size goes up as a multipart upload to a real S3
// server (versitygw) and arrives byte for byte; a small one in one request.
func TestUploadToARealS3Server(t *testing.T) {
	srv := s3test.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	st, err := s3store.New(ctx, config(srv))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, size := range map[string]int{"composite.mp4": 12 << 20, "alice-microphone-TR_1-1.ogg": 40 << 10} {
		data := make([]byte, size)
		_, _ = rand.Read(data)
		local := filepath.Join(dir, name)
		if err := os.WriteFile(local, data, 0o644); err != nil {
			t.Fatal(err)
		}
		key, err := st.Upload(ctx, "RC_1", name, local)
		if err != nil {
			t.Fatalf("upload %s: %v", name, err)
		}
		if key != "rec/RC_1/"+name {
			t.Errorf("key %q", key)
		}
		got, err := os.ReadFile(filepath.Join(srv.Root, srv.Bucket, key))
		if err != nil {
			t.Fatalf("the object is not on the server's disk: %v", err)
		}
		if !bytes.Equal(got, data) {
			t.Fatalf("%s: %d bytes stored, not the %d uploaded", name, len(got), len(data))
		}
	}
	if loc := st.Location("RC_1"); loc != "s3://recordings/rec/RC_1" {
		t.Errorf("location %q", loc)
	}
}

// Wrong credentials are refused at once with ErrCredentials, by New (start-up)
// and by Upload, which does not retry them; a missing bucket gives ErrNoBucket.
func TestWrongCredentialsAndBucketAreReportedClearly(t *testing.T) {
	srv := s3test.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	noBucket := config(srv)
	noBucket.Bucket = "missing"
	if _, err := s3store.New(ctx, noBucket); !errors.Is(err, s3store.ErrNoBucket) {
		t.Fatalf("New with a missing bucket: %v, want ErrNoBucket", err)
	}
	for _, tc := range []struct{ name, access, secret string }{
		{"wrong secret", srv.AccessKey, "not-the-secret"},
		{"unknown access key", "nobody", srv.SecretKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			cfg := config(srv)
			cfg.AccessKey, cfg.SecretKey = tc.access, tc.secret
			cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			st, err := s3store.New(ctx, cfg)
			if !errors.Is(err, s3store.ErrCredentials) || !strings.Contains(err.Error(), "secret_key") {
				t.Fatalf("New: %v, want ErrCredentials saying what to check", err)
			}
			local := filepath.Join(t.TempDir(), "a.ogg")
			if err := os.WriteFile(local, []byte("OggS"), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := st.Upload(ctx, "RC_1", "a.ogg", local); !errors.Is(err, s3store.ErrCredentials) {
				t.Fatalf("Upload: %v, want ErrCredentials", err)
			}
			if strings.Contains(logs.String(), "retrying") {
				t.Fatalf("wrong credentials were retried:\n%s", logs.String())
			}
		})
	}
}

// An endpoint that does not answer is retried with back-off, then reported.
func TestUploadRetriesThenReports(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var logs bytes.Buffer
	cfg := s3store.Config{Endpoint: "127.0.0.1:1", Insecure: true, Bucket: "b", AccessKey: "a", SecretKey: "s",
		MinBackoff: 5 * time.Millisecond, Attempts: 3, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	st, err := s3store.New(ctx, cfg)
	if err == nil || errors.Is(err, s3store.ErrCredentials) || errors.Is(err, s3store.ErrNoBucket) || st == nil {
		t.Fatalf("New against a closed port: %v, want a connection error and a store", err)
	}
	local := filepath.Join(t.TempDir(), "a.ogg")
	if err := os.WriteFile(local, []byte("OggS"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Upload(ctx, "RC_1", "a.ogg", local); err == nil || !strings.Contains(err.Error(), "RC_1/a.ogg") {
		t.Fatalf("upload to a closed port: %v", err)
	}
	if n := strings.Count(logs.String(), "retrying"); n != 2 {
		t.Fatalf("%d retries logged, want 2 (3 attempts):\n%s", n, logs.String())
	}
}
