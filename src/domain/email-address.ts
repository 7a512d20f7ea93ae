// Email addresses as the contract's `idn-email` format means them, and when two are the same.
// One module for both, so that what the validator lets in is exactly what the key understands.
import { toASCII } from 'tr46';

/**
 * What no part of an address may hold: control characters, white space (any script's), lone
 * surrogates, bidirectional controls (they make an address display as another one) and
 * unassigned code points (their normalisation and case mapping may change when Unicode assigns
 * them, which would change a stored key).
 */
export const FORBIDDEN = /[\p{Cc}\p{Cs}\p{Cn}\p{White_Space}\p{Bidi_Control}]/u;

/**
 * RFC 5322's dot-atom (atoms of `atext` joined by single dots), with any non-ASCII character
 * as `atext` too (RFC 6531's UTF8-non-ascii). Quoted local parts are not supported: almost no
 * mail system hands them out, and their escapes would need a normal form of their own.
 */
const ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~\\-\\u{80}-\\u{10FFFF}]+";
export const DOT_ATOM = new RegExp(`^${ATOM}(?:\\.${ATOM})*$`, 'u');

/**
 * The contract's `maxLength` for an email is 254 characters (code points), so no address is longer
 * than twice that in UTF-16 code units. A longer string is refused before IDNA sees it: mapping
 * and Punycode would otherwise run over all of a 16 KiB body's worth of text, although the
 * schema's length check has already failed it.
 */
const MAX_ADDRESS_CODE_UNITS = 2 * 254;

/** RFC 5321 §4.5.3.1.1: 64 octets (RFC 6531 keeps the limit in octets of UTF-8). */
const MAX_LOCAL_PART_OCTETS = 64;
/** A DNS label in ASCII: letters, digits and inner hyphens, 1 to 63 characters. */
export const LDH_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * IDNA as UTS 46 defines it, nontransitional (`ß` stays `ß`, as IDNA2008 and today's browsers
 * have it), with the bidi and joiner rules, host-name characters only (STD3) and DNS's limits
 * (labels of 1 to 63 octets, 253 in all). tr46 rather than Node's url.domainToASCII: Node's
 * answer depends on its version (Node 20 refuses `xn--zz`, an invalid A-label, Node 24 keeps
 * it), and a key stored by one Node must be the key every other Node computes; tr46 is the
 * reference implementation the WHATWG URL parser of the `mongodb` driver already uses, with
 * the Unicode version of its own release, pinned by the lockfile.
 */
const IDNA = {
  transitionalProcessing: false,
  checkBidi: true,
  checkJoiners: true,
  checkHyphens: false,
  useSTD3ASCIIRules: true,
  verifyDNSLength: true,
} as const;

/**
 * The domain in its ASCII form (IDNA ToASCII, which also lower-cases it), or null when it is not
 * a domain name that form can carry. Hyphens are only refused at the ends of a label, as
 * before IDN addresses were accepted (IDNA's hyphen check would also refuse `ab--cd.com`).
 */
export function asciiDomain(domain: string): string | null {
  const ascii = toASCII(domain, IDNA);
  return ascii !== null && ascii.split('.').every((label) => LDH_LABEL.test(label)) ? ascii : null;
}

/**
 * The check behind the contract's `idn-email` format: one local part, one `@`, one domain; the
 * local part a dot-atom of at most 64 octets, the domain convertible to ASCII by IDNA with DNS's
 * label and length limits; nowhere white space or a control character. Judged on the NFC form,
 * as the key compares addresses.
 */
export function isEmailAddress(value: string): boolean {
  if (value.length > MAX_ADDRESS_CODE_UNITS || FORBIDDEN.test(value)) return false;
  const parts = value.normalize('NFC').split('@');
  if (parts.length !== 2) return false;
  const [local = '', domain = ''] = parts;
  return DOT_ATOM.test(local) && Buffer.byteLength(local, 'utf8') <= MAX_LOCAL_PART_OCTETS && asciiDomain(domain) !== null;
}

/**
 * The key that makes an email unique, and by which every lookup finds it: the whole address in
 * NFC (the same text typed with composed or decomposed characters is one address), the local
 * part in lower case (`Super@…` = `super@…`, as the service always treated it), the domain in
 * its ASCII form in lower case (`বাংলা.bd` = `XN--54B7FTA0CC.BD`). For an ASCII address this is
 * the lower-cased address, as keys have always been: stored keys need no migration. The address
 * itself is stored as typed.
 */
export function emailKey(email: string): string {
  const address = email.trim().normalize('NFC');
  const at = address.lastIndexOf('@');
  if (at < 0) return address.toLowerCase();
  const domain = address.slice(at + 1);
  // Only an address the contract refused has no ASCII domain: it keeps the plain lower-cased form.
  return `${address.slice(0, at).toLowerCase()}@${asciiDomain(domain) ?? domain.toLowerCase()}`;
}
