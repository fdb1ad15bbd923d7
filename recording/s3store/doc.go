// Package s3store keeps finished recordings in S3-compatible object storage
// (AWS S3, MinIO, versitygw, Ceph RGW, ...) through the minio-go client: it is
// the jobs.Storage of a server configured with recording.s3.
//
// Objects are named <prefix><recording id>/<file name>. Files larger than the
// part size go up as multipart uploads (minio-go uploads the parts and
// completes the upload only when every part is stored, so an object that
// exists is whole). A failed upload is retried with a doubling back-off;
// wrong credentials and a missing bucket are not transient and are reported at
// once, as ErrCredentials and ErrNoBucket, by New (checked at start-up) and by
// Upload.
package s3store
