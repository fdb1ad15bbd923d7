// strings: the add-in's texts in English and French, chosen from Office's display
// language (or the browser's).

const en = {
  heading: "Ensemble meeting",
  intro: "Add a video meeting to this appointment: the link, the SIP address and the dial-in go into its body and its location.",
  add: "Add an Ensemble meeting",
  update: "Update the Ensemble meeting",
  link: "Link",
  sip: "SIP address",
  signOut: "Sign out of Ensemble",
  signingIn: "Signing in to Ensemble…",
  signedIn: "Signed in as {name}.",
  working: "Creating the meeting…",
  added: "Meeting added to the appointment.",
  updated: "Meeting updated to the appointment's new time.",
  notHost: "Your account may not create meetings.",
  signInFailed: "Sign-in did not complete: {reason}",
  failed: "The meeting could not be created: {reason}",
  defaultTitle: "Ensemble meeting",
  dialogBlocked: "The sign-in window could not open; allow pop-ups for this add-in and try again.",
};

const fr = {
  heading: "Réunion Ensemble",
  intro: "Ajoutez une réunion vidéo à ce rendez-vous : le lien, l'adresse SIP et le numéro d'appel sont inscrits dans son corps et son lieu.",
  add: "Ajouter une réunion Ensemble",
  update: "Mettre à jour la réunion Ensemble",
  link: "Lien",
  sip: "Adresse SIP",
  signOut: "Se déconnecter d'Ensemble",
  signingIn: "Connexion à Ensemble…",
  signedIn: "Connecté·e en tant que {name}.",
  working: "Création de la réunion…",
  added: "Réunion ajoutée au rendez-vous.",
  updated: "Réunion mise à jour à la nouvelle heure du rendez-vous.",
  notHost: "Votre compte ne peut pas créer de réunions.",
  signInFailed: "La connexion n'a pas abouti : {reason}",
  failed: "La réunion n'a pas pu être créée : {reason}",
  defaultTitle: "Réunion Ensemble",
  dialogBlocked: "La fenêtre de connexion n'a pas pu s'ouvrir ; autorisez les fenêtres pour ce complément et réessayez.",
};

export const dictionaries = { en, fr };

/** lang is "fr" or "en". */
export function lang() {
  let tag = "";
  try {
    tag = globalThis.Office?.context?.displayLanguage || "";
  } catch {
    tag = "";
  }
  tag = tag || (globalThis.navigator && navigator.language) || "en";
  return tag.toLowerCase().startsWith("fr") ? "fr" : "en";
}

export function t(key, vars) {
  const text = dictionaries[lang()][key] ?? en[key] ?? key;
  return vars ? text.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m)) : text;
}

export function translate(root) {
  document.documentElement.lang = lang();
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
}
