import { emailKey, isEmailAddress } from './email-address.js';

/**
 * Which users a request may see and change: every user, or only the caller's own record, the
 * user whose email equals the email the caller's identity provider verified (compared by its
 * key, as uniqueness is). A caller without a verified email owns no record.
 */
export type Access = { readonly to: 'every-user' } | { readonly to: 'own-record'; readonly ownerKey: string | undefined };

export const EVERY_USER: Access = { to: 'every-user' };

export function ownRecordOf(verifiedEmail: string | undefined): Access {
  return { to: 'own-record', ownerKey: verifiedEmail !== undefined && isEmailAddress(verifiedEmail) ? emailKey(verifiedEmail) : undefined };
}

/** Whether the access reaches the user with this email. */
export function reaches(access: Access, email: string): boolean {
  return access.to === 'every-user' || (access.ownerKey !== undefined && emailKey(email) === access.ownerKey);
}
