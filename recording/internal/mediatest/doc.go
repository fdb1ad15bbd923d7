// Package mediatest holds what the recorder's tests ask of Debian's ffmpeg and
// ffprobe: finding them (a missing tool skips a test outside CI and fails it under
// CI=true, so that a broken setup is never hidden), probing a file, and decoding it
// whole. Test code only.
package mediatest
