// The rules a user's fields follow once the request has passed the contract's validation.

/** Names are stored without surrounding white space (the contract bounds their length). */
export function normalizeName(name: string): string {
  return name.trim();
}

/** Escapes text for use as a literal at the start of a regular expression. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
