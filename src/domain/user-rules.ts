// The rules a user's fields follow once the request has passed the contract's validation.

/** Names are stored without surrounding white space (the contract bounds their length). */
export function normalizeName(name: string): string {
  return name.trim();
}

/**
 * The key that makes an email unique: the address in lower case, so that Super@Gmail.com and
 * super@gmail.com are one user. The address itself is kept as the user typed it.
 */
export function emailKey(email: string): string {
  return email.trim().toLowerCase();
}

/** Escapes text for use as a literal at the start of a regular expression. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
