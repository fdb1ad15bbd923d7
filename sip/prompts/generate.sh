#!/usr/bin/env bash
# Regenerates the gateway's spoken prompts (16 kHz mono 16-bit WAV, English then
# French in each file) with Debian's espeak-ng and sox, offline:
#   apt-get install espeak-ng sox && ./sip/prompts/generate.sh
# The WAV files are committed; the bridge embeds them.
set -euo pipefail
cd "$(dirname "$0")"
say() { # file, English text, French text
  local tmp
  tmp=$(mktemp -d)
  espeak-ng -v en -s 150 -w "$tmp/en.wav" "$2"
  espeak-ng -v fr -s 150 -w "$tmp/fr.wav" "$3"
  sox "$tmp/en.wav" "$tmp/fr.wav" -r 16000 -c 1 -b 16 "$1" pad 0.2 0.3 norm -3
  rm -r "$tmp"
}
say enter-number.wav "Welcome. Enter the meeting number, followed by the hash key." \
  "Bienvenue. Entrez le numéro de la réunion, suivi de la touche dièse."
say wrong-number.wav "This meeting number is not known. Please try again." \
  "Ce numéro de réunion est inconnu. Veuillez réessayer."
say goodbye.wav "Sorry, we could not find your meeting. Goodbye." \
  "Désolé, nous n'avons pas trouvé votre réunion. Au revoir."
