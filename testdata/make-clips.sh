#!/bin/sh
# Regenerates the encoded test clips embedded by package internal/clips.
# Run from anywhere: sh testdata/make-clips.sh. Needs ffmpeg with libvpx (VP8 and VP9), libaom, libx264, libopus
# (Debian: apt-get install ffmpeg). The clips are committed; run this only to change them.
set -eu
out="$(cd "$(dirname "$0")/.." && pwd)/internal/clips"
mkdir -p "$out"
ff="ffmpeg -hide_banner -loglevel error -y"

# VP8 simulcast layers: same synthetic scene (testsrc2, 5 s, 30 fps), a keyframe every
# 2 s (60 frames), no alt-ref frames (an invisible frame would break the 1-frame-per-tick
# timing of IVF playback), and a coloured border per layer so a viewer sees which layer
# arrives: red = low, green = medium, blue = high.
vp8() { # size bitrate border-colour file
	$ff -f lavfi -i "testsrc2=size=$1:rate=30:duration=5,drawbox=color=$3:t=8,format=yuv420p" \
		-c:v libvpx -b:v "$2" -minrate "$2" -maxrate "$2" -bufsize "$2" \
		-g 60 -keyint_min 60 -auto-alt-ref 0 -lag-in-frames 0 -error-resilient 1 \
		-deadline good -cpu-used 4 -f ivf "$out/$4"
}
vp8 320x180 150k red vp8-320x180.ivf
vp8 640x360 500k green vp8-640x360.ivf
vp8 1280x720 1500k blue vp8-1280x720.ivf

# VP9 profile 0, 320x180, 3 s, a keyframe every 2 s, no alt-ref frames (same reason as VP8).
$ff -f lavfi -i "testsrc2=size=320x180:rate=30:duration=3,format=yuv420p" \
	-c:v libvpx-vp9 -b:v 150k -minrate 150k -maxrate 150k -bufsize 150k \
	-g 60 -keyint_min 60 -auto-alt-ref 0 -lag-in-frames 0 -error-resilient 1 -row-mt 0 \
	-deadline realtime -cpu-used 8 -f ivf "$out/vp9-320x180.ivf"

# AV1, 320x180, 2 s, one keyframe (realtime usage: no lookahead, no hidden frames).
$ff -f lavfi -i "testsrc2=size=320x180:rate=30:duration=2,format=yuv420p" \
	-c:v libaom-av1 -b:v 150k -g 60 -keyint_min 60 -lag-in-frames 0 -usage realtime -cpu-used 8 -row-mt 0 \
	-f ivf "$out/av1-320x180.ivf"

# H.264 constrained baseline in Annex-B, SPS/PPS repeated before every keyframe.
$ff -f lavfi -i "testsrc2=size=640x360:rate=30:duration=5,format=yuv420p" \
	-c:v libx264 -profile:v baseline -level 3.1 -bf 0 -b:v 300k -maxrate 300k -bufsize 300k \
	-x264-params keyint=60:min-keyint=60:scenecut=0:repeat-headers=1 \
	-f h264 "$out/h264-640x360.h264"

# Opus in Ogg: 48 kHz mono, 20 ms frames, a 440 Hz tone switched on and off four times a
# second (speech-like, so voice-activity and audio-level code sees talk and pauses).
$ff -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=5" \
	-af "volume='if(lt(mod(t,0.5),0.3),1,0)':eval=frame" \
	-c:a libopus -b:a 32k -frame_duration 20 -application voip -ac 1 \
	-f ogg "$out/opus-48k-mono.ogg"

ls -l "$out"
