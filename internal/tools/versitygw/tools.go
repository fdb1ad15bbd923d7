//go:build tools

// Package versitygw pins the S3 server that the recording tests upload to
// (github.com/versity/versitygw, Apache-2.0, serving a local directory over
// S3). It is its own module so that the server binary never depends on it;
// tests build it with `go build` in this directory (see recording/s3test).
package versitygw

import _ "github.com/versity/versitygw/cmd/versitygw"
