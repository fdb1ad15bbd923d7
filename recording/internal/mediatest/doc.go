// Package mediatest holds what the recorder's tests ask of Debian's ffmpeg and
// ffprobe: finding them (a missing tool skips a test outside CI and fails it under
// CI=true, so that a broken setup is never hidden), probing a file, decoding it
// whole, making coloured test videos and reading colours off their frames (who
// a speaker layout shows large). Test code only.
package mediatest
