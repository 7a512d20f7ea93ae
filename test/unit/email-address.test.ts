import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asciiDomain, emailKey, isEmailAddress } from '../../src/domain/email-address.js';

const nfc = (text: string) => text.normalize('NFC');
const nfd = (text: string) => text.normalize('NFD');

describe('email key', () => {
  it('when two emails differ only in letter case, then they have the same key', () => {
    assert.equal(emailKey('Super@Gmail.com'), emailKey('super@gmail.COM'));
  });

  it('when an address is ASCII, then its key is the trimmed address in lower case, as stored keys always were', () => {
    for (const email of [
      'Super@Gmail.com',
      ' a.B+tag@Sub.Example.ORG ',
      "o'Brien!#$%&*/=?^_`{|}~-@x.io",
      'USER@XN--54B7FTA0CC.BD',
      'a@1.2.3.4',
      'x@localhost',
    ]) {
      assert.equal(emailKey(email), email.trim().toLowerCase(), email);
    }
  });

  it('when a local part is typed composed (NFC) or decomposed (NFD), then the key is the same', () => {
    const composed = nfc('খোকন@example.com');
    const decomposed = nfd(composed);
    assert.notEqual(composed, decomposed);
    assert.equal(emailKey(decomposed), emailKey(composed));
    assert.equal(emailKey(nfd('René@example.com')), emailKey(nfc('rené@example.com')));
  });

  it('when a domain is in Unicode or in its xn-- form, in any case, then the key holds the lower-case ASCII form', () => {
    assert.equal(emailKey('user@বাংলা.bd'), 'user@xn--54b7fta0cc.bd');
    assert.equal(emailKey('user@XN--54B7FTA0CC.BD'), 'user@xn--54b7fta0cc.bd');
    assert.equal(emailKey('user@Bücher.DE'), 'user@xn--bcher-kva.de');
  });

  it('when a domain is typed in full-width forms, then IDNA maps it to the same ASCII domain', () => {
    assert.equal(emailKey('user@ｅｘａｍｐｌｅ。com'), 'user@example.com');
  });

  it('when a domain holds ß, then it is not the domain with ss (nontransitional IDNA)', () => {
    assert.equal(emailKey('user@faß.de'), 'user@xn--fa-hia.de');
    assert.notEqual(emailKey('user@faß.de'), emailKey('user@fass.de'));
  });

  it('when a local part is not ASCII, then it is compared in lower case after NFC and kept otherwise', () => {
    assert.equal(emailKey('রহিম@example.com'), 'রহিম@example.com');
    assert.equal(emailKey('ÉLODIE@example.com'), emailKey('élodie@example.com'));
  });

  it('when two addresses only look alike (Cyrillic а against Latin a), then their keys differ', () => {
    assert.notEqual(emailKey('\u0430lice@example.com'), emailKey('alice@example.com'));
    assert.notEqual(emailKey('alice@ex\u0430mple.com'), emailKey('alice@example.com'));
    assert.equal(emailKey('alice@ex\u0430mple.com'), 'alice@xn--exmple-4nf.com');
  });
});

describe('email address format (idn-email)', () => {
  for (const email of [
    'super@gmail.com',
    'user@বাংলা.bd',
    'রহিম@example.com',
    'রহিম@বাংলা.বাংলা',
    nfd('খোকন@example.com'),
    'user@xn--54b7fta0cc.bd',
    'first.last+tag@sub.example.org',
    "o'Brien!#$%&*/=?^_`{|}~-@x.io",
    'x@localhost',
    'x@ab--cd.example',
    'x@1.2.3.4',
    `${'a'.repeat(64)}@example.com`,
    `${'ক'.repeat(21)}@example.com`,
  ]) {
    it(`when it is ${JSON.stringify(email)}, then it is an address`, () => {
      assert.equal(isEmailAddress(email), true);
    });
  }

  for (const [label, email] of [
    ['no @', 'not-an-email'],
    ['two @', 'a@b@example.com'],
    ['an empty local part', '@example.com'],
    ['an empty domain', 'user@'],
    ['a space in the local part', 'ra him@example.com'],
    ['surrounding white space', ' user@example.com'],
    ['a no-break space', 'user\u00a0@example.com'],
    ['an ideographic space in the domain', 'user@বাংলা\u3000.bd'],
    ['a control character', 'user\u0007@example.com'],
    ['a C1 control character', 'user\u0085@example.com'],
    ['a right-to-left override', 'user\u202e@example.com'],
    ['a lone surrogate', 'user\ud800@example.com'],
    ['an unassigned code point', 'user\u0378@example.com'],
    ['a dot at the start of the local part', '.user@example.com'],
    ['a dot at its end', 'user.@example.com'],
    ['two dots in a row', 'us..er@example.com'],
    ['a quoted local part', '"john doe"@example.com'],
    ['a local part over 64 octets', `${'a'.repeat(65)}@example.com`],
    ['a Bengali local part over 64 octets (22 characters of 3)', `${'ক'.repeat(22)}@example.com`],
    ['a domain label IDNA refuses (bad punycode)', 'user@xn--zz.bd'],
    ['a domain IDNA refuses (a joiner with no context)', 'user@a\u200db.bd'],
    ['a domain label over 63 characters', `user@${'a'.repeat(64)}.com`],
    ['an empty domain label', 'user@example..com'],
    ['a trailing dot', 'user@example.com.'],
    ['a hyphen starting a label', 'user@-example.com'],
    ['an underscore in the domain', 'user@ex_ample.com'],
    ['a percent-encoded domain', 'user@ex%41mple.com'],
    ['a domain literal', 'user@[127.0.0.1]'],
    ['a hyphen ending a label', 'user@example-.com'],
    ['a domain label starting with a combining mark (IDNA refuses)', 'user@\u09cdক.bd'],
    ['a domain label mixing right-to-left and left-to-right letters (bidi rule)', 'user@a\u05d0.com'],
  ] as const) {
    it(`when it has ${label}, then it is not an address`, () => {
      assert.equal(isEmailAddress(email), false, email);
    });
  }

  it('when a domain is over 253 characters in ASCII, then it has no ASCII form', () => {
    const label = 'a'.repeat(63);
    assert.equal(asciiDomain([label, label, label, 'a'.repeat(61)].join('.'))?.length, 253);
    assert.equal(asciiDomain([label, label, label, 'a'.repeat(62)].join('.')), null);
  });
});
