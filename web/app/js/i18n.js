// i18n: French and English texts, chosen from navigator.language (French for any
// fr-*, English otherwise). t(key, vars) returns a text with {name} placeholders
// filled; translate(root) fills elements marked data-i18n="key" (text) and
// data-i18n-attr="aria-label:key;placeholder:key2" (attributes).

const en = {
  "app.title": "Ensemble",
  "skip": "Skip to content",
  "home.heading": "Video meetings",
  "home.intro": "Join a meeting with its name, or start a new one.",
  "home.room": "Meeting name",
  "home.join": "Join",
  "home.new": "New meeting",
  "home.invalid": "A meeting name has letters, digits and dashes, like abc-defg-hij.",
  "prejoin.heading": "Ready to join?",
  "prejoin.room": "Meeting {room}",
  "prejoin.name": "Your name",
  "prejoin.namePlaceholder": "Name shown to others",
  "prejoin.camera": "Camera",
  "prejoin.microphone": "Microphone",
  "prejoin.cameraOn": "Camera on",
  "prejoin.micOn": "Microphone on",
  "prejoin.join": "Join now",
  "prejoin.joining": "Joining…",
  "prejoin.noDevice": "None found",
  "prejoin.preview": "Your camera preview",
  "prejoin.nameRequired": "Please enter your name.",
  "meeting.grid": "Participants' videos",
  "meeting.you": "{name} (you)",
  "meeting.screenOf": "{name}'s screen",
  "meeting.alone": "You are the only one here. Share the link to invite others.",
  "controls.label": "Meeting controls",
  "controls.micOff": "Turn microphone off",
  "controls.micOn": "Turn microphone on",
  "controls.camOff": "Turn camera off",
  "controls.camOn": "Turn camera on",
  "controls.shareStart": "Share your screen",
  "controls.shareStop": "Stop sharing",
  "controls.chat": "Chat",
  "controls.people": "Participants",
  "controls.leave": "Leave the meeting",
  "controls.copyLink": "Copy the meeting link",
  "controls.linkCopied": "Link copied.",
  "tile.micMuted": "Microphone off",
  "tile.camMuted": "Camera off",
  "tile.speaking": "Speaking",
  "tile.minimise": "Minimise {name}'s video",
  "tile.restore": "Show {name}'s video",
  "tile.quality": "Connection: {quality}",
  "tile.pin": "Show {name} large",
  "tile.unpin": "Stop showing {name} large",
  "quality.excellent": "excellent",
  "quality.good": "good",
  "quality.poor": "poor",
  "quality.lost": "lost",
  "quality.unknown": "unknown",
  "chat.heading": "Chat",
  "chat.label": "Message",
  "chat.placeholder": "Send a message to everyone",
  "chat.send": "Send",
  "chat.you": "You",
  "chat.close": "Close the chat",
  "chat.empty": "No messages yet.",
  "chat.from": "{name} says: {text}",
  "chat.failed": "Your message could not be sent.",
  "people.heading": "Participants ({count})",
  "people.close": "Close the participant list",
  "banner.reconnecting": "Connection lost. Reconnecting…",
  "banner.reconnected": "Reconnected.",
  "banner.rejoined": "Reconnected (the meeting was joined again).",
  "banner.joined": "{name} joined.",
  "banner.left": "{name} left.",
  "banner.shareFailed": "Screen sharing did not start: {reason}",
  "banner.draining": "The server is restarting; you will be reconnected.",
  "left.heading": "You left the meeting",
  "left.rejoin": "Rejoin",
  "left.home": "Back to the home page",
  "closed.client_left": "You left the meeting.",
  "closed.removed": "You were removed from the meeting.",
  "closed.room_deleted": "The meeting was ended.",
  "closed.duplicate_identity": "You joined this meeting from another window or device.",
  "closed.server_shutdown": "The server shut down.",
  "closed.token_expired": "Your access to the meeting expired.",
  "closed.resume_timeout": "The connection was lost for too long.",
  "closed.transport_failure": "The media connection failed.",
  "error.guests_not_allowed": "This meeting does not accept guests. Ask the organiser for an invitation link.",
  "error.no_guest_access": "You need an invitation link to join this meeting.",
  "error.token_expired": "Your invitation link has expired. Ask the organiser for a new one.",
  "error.token_not_yet_valid": "Your invitation link is not valid yet. Try again later.",
  "error.invalid_token": "Your invitation link is not valid ({code}).",
  "error.wrong_room": "Your invitation link is for another meeting.",
  "error.missing_grant": "Your invitation does not allow you to join this meeting.",
  "error.room_full": "This meeting is full.",
  "error.server_draining": "The server is restarting. Try again in a moment.",
  "error.unreachable": "The server cannot be reached. Check your network connection and try again.",
  "error.refused": "The server refused the connection ({code}).",
  "error.connect": "Could not connect to the meeting. Try again in a moment.",
  "error.media": "The media connection could not be set up.",
  "error.camDenied": "Access to the camera was denied. Allow it in your browser's settings, or join with the camera off.",
  "error.micDenied": "Access to the microphone was denied. Allow it in your browser's settings, or join with the microphone off.",
  "error.devDenied": "Access to the camera and microphone was denied. Allow it in your browser's settings, or join without them.",
  "error.noDevice": "No camera or microphone was found.",
  "error.deviceBusy": "The camera or microphone is used by another application.",
  "error.device": "The camera or microphone could not be started ({name}).",
  "error.noWebRTC": "This browser cannot take part in video meetings.",
  "error.server": "The server answered with an error ({code}): {message}",
};

const fr = {
  "app.title": "Ensemble",
  "skip": "Aller au contenu",
  "home.heading": "Réunions vidéo",
  "home.intro": "Rejoignez une réunion par son nom, ou lancez-en une nouvelle.",
  "home.room": "Nom de la réunion",
  "home.join": "Rejoindre",
  "home.new": "Nouvelle réunion",
  "home.invalid": "Un nom de réunion contient des lettres, des chiffres et des tirets, comme abc-defg-hij.",
  "prejoin.heading": "Prêt à rejoindre ?",
  "prejoin.room": "Réunion {room}",
  "prejoin.name": "Votre nom",
  "prejoin.namePlaceholder": "Nom affiché aux autres",
  "prejoin.camera": "Caméra",
  "prejoin.microphone": "Micro",
  "prejoin.cameraOn": "Caméra activée",
  "prejoin.micOn": "Micro activé",
  "prejoin.join": "Participer",
  "prejoin.joining": "Connexion…",
  "prejoin.noDevice": "Aucun trouvé",
  "prejoin.preview": "Aperçu de votre caméra",
  "prejoin.nameRequired": "Veuillez saisir votre nom.",
  "meeting.grid": "Vidéos des participants",
  "meeting.you": "{name} (vous)",
  "meeting.screenOf": "Écran de {name}",
  "meeting.alone": "Vous êtes seul ici. Partagez le lien pour inviter d'autres personnes.",
  "controls.label": "Commandes de la réunion",
  "controls.micOff": "Couper le micro",
  "controls.micOn": "Activer le micro",
  "controls.camOff": "Couper la caméra",
  "controls.camOn": "Activer la caméra",
  "controls.shareStart": "Partager l'écran",
  "controls.shareStop": "Arrêter le partage",
  "controls.chat": "Discussion",
  "controls.people": "Participants",
  "controls.leave": "Quitter la réunion",
  "controls.copyLink": "Copier le lien de la réunion",
  "controls.linkCopied": "Lien copié.",
  "tile.micMuted": "Micro coupé",
  "tile.camMuted": "Caméra coupée",
  "tile.speaking": "Parle",
  "tile.minimise": "Réduire la vidéo de {name}",
  "tile.restore": "Afficher la vidéo de {name}",
  "tile.quality": "Connexion : {quality}",
  "tile.pin": "Afficher {name} en grand",
  "tile.unpin": "Ne plus afficher {name} en grand",
  "quality.excellent": "excellente",
  "quality.good": "bonne",
  "quality.poor": "faible",
  "quality.lost": "perdue",
  "quality.unknown": "inconnue",
  "chat.heading": "Discussion",
  "chat.label": "Message",
  "chat.placeholder": "Envoyer un message à tous",
  "chat.send": "Envoyer",
  "chat.you": "Vous",
  "chat.close": "Fermer la discussion",
  "chat.empty": "Aucun message pour l'instant.",
  "chat.from": "{name} dit : {text}",
  "chat.failed": "Votre message n'a pas pu être envoyé.",
  "people.heading": "Participants ({count})",
  "people.close": "Fermer la liste des participants",
  "banner.reconnecting": "Connexion perdue. Reconnexion…",
  "banner.reconnected": "Reconnecté.",
  "banner.rejoined": "Reconnecté (la réunion a été rejointe à nouveau).",
  "banner.joined": "{name} a rejoint la réunion.",
  "banner.left": "{name} a quitté la réunion.",
  "banner.shareFailed": "Le partage d'écran n'a pas démarré : {reason}",
  "banner.draining": "Le serveur redémarre ; vous allez être reconnecté.",
  "left.heading": "Vous avez quitté la réunion",
  "left.rejoin": "Rejoindre à nouveau",
  "left.home": "Retour à l'accueil",
  "closed.client_left": "Vous avez quitté la réunion.",
  "closed.removed": "Vous avez été retiré de la réunion.",
  "closed.room_deleted": "La réunion a été close.",
  "closed.duplicate_identity": "Vous avez rejoint cette réunion depuis une autre fenêtre ou un autre appareil.",
  "closed.server_shutdown": "Le serveur s'est arrêté.",
  "closed.token_expired": "Votre accès à la réunion a expiré.",
  "closed.resume_timeout": "La connexion a été perdue trop longtemps.",
  "closed.transport_failure": "La connexion média a échoué.",
  "error.guests_not_allowed": "Cette réunion n'accepte pas d'invités. Demandez un lien d'invitation à l'organisateur.",
  "error.no_guest_access": "Il faut un lien d'invitation pour rejoindre cette réunion.",
  "error.token_expired": "Votre lien d'invitation a expiré. Demandez-en un nouveau à l'organisateur.",
  "error.token_not_yet_valid": "Votre lien d'invitation n'est pas encore valable. Réessayez plus tard.",
  "error.invalid_token": "Votre lien d'invitation n'est pas valable ({code}).",
  "error.wrong_room": "Votre lien d'invitation concerne une autre réunion.",
  "error.missing_grant": "Votre invitation ne permet pas de rejoindre cette réunion.",
  "error.room_full": "Cette réunion est complète.",
  "error.server_draining": "Le serveur redémarre. Réessayez dans un instant.",
  "error.unreachable": "Le serveur est injoignable. Vérifiez votre connexion réseau et réessayez.",
  "error.refused": "Le serveur a refusé la connexion ({code}).",
  "error.connect": "Impossible de se connecter à la réunion. Réessayez dans un instant.",
  "error.media": "La connexion média n'a pas pu être établie.",
  "error.camDenied": "L'accès à la caméra a été refusé. Autorisez-le dans les réglages du navigateur, ou rejoignez sans caméra.",
  "error.micDenied": "L'accès au micro a été refusé. Autorisez-le dans les réglages du navigateur, ou rejoignez sans micro.",
  "error.devDenied": "L'accès à la caméra et au micro a été refusé. Autorisez-le dans les réglages du navigateur, ou rejoignez sans eux.",
  "error.noDevice": "Aucune caméra ni aucun micro n'a été trouvé.",
  "error.deviceBusy": "La caméra ou le micro est utilisé par une autre application.",
  "error.device": "La caméra ou le micro n'a pas pu démarrer ({name}).",
  "error.noWebRTC": "Ce navigateur ne permet pas de participer aux réunions vidéo.",
  "error.server": "Le serveur a répondu par une erreur ({code}) : {message}",
};

export const dictionaries = { en, fr };

/** pickLanguage returns "fr" or "en" for a list of BCP 47 tags, first match wins. */
export function pickLanguage(tags) {
  for (const tag of tags || []) {
    const base = String(tag).toLowerCase().split("-")[0];
    if (base in dictionaries) return base;
  }
  return "en";
}

let lang = pickLanguage(
  typeof navigator === "undefined" ? [] : navigator.languages || [navigator.language],
);

/** language returns the language in use. */
export function language() {
  return lang;
}

/** setLanguage switches the language (tests; a future menu). */
export function setLanguage(l) {
  if (l in dictionaries) lang = l;
}

/** t returns the text for key with {name} placeholders replaced from vars. */
export function t(key, vars) {
  const text = dictionaries[lang][key] ?? en[key] ?? key;
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}

/** translate fills the texts and attributes marked with data-i18n under root. */
export function translate(root) {
  for (const el of root.querySelectorAll("[data-i18n]")) {
    el.textContent = t(el.dataset.i18n);
  }
  for (const el of root.querySelectorAll("[data-i18n-attr]")) {
    for (const pair of el.dataset.i18nAttr.split(";")) {
      const [attr, key] = pair.split(":");
      if (attr && key) el.setAttribute(attr.trim(), t(key.trim()));
    }
  }
}
