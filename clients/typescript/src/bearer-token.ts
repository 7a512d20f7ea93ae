// The one definition of a bearer token's form, RFC 6750 §2.1:
//   b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
// The client checks the tokens it is given with it; the service (which compiles this file into
// its own build) parses Authorization headers and validates API_TOKENS with it, so a token one
// side accepts is never one the other refuses.

/** A whole string that is a bearer token. */
export const BEARER_TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** An Authorization header of the Bearer scheme (any letter case, spaces around), capturing its token. */
export const BEARER_AUTHORIZATION = new RegExp(`^Bearer +(${BEARER_TOKEN.source.slice(1, -1)}) *$`, 'i');
