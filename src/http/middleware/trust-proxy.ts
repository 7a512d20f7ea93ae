import { BlockList, isIP } from 'node:net';

/** Express's "trust proxy": the peers whose X-Forwarded-For is believed, a hop count, or none. */
export type TrustProxy = string | number | false;

/** proxy-addr's names for predefined ranges (loopback, link-local and private addresses). */
const NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/**
 * A hop count trusts that many peers whatever their addresses, so one larger than the proxies
 * really in front trusts X-Forwarded-For entries the client wrote itself. No deployment has more
 * than 5 proxies in a row: a larger count is that mistake.
 */
const MAX_HOPS = 5;

/**
 * The shortest prefixes accepted. A subnet shorter than that is "everyone" in all but name: any
 * client inside it (or behind it) could choose the address the rate limits count it by.
 */
const MIN_IPV4_PREFIX = 8;
const MIN_IPV6_PREFIX = 16;

/** Where every IPv4 address lives in IPv6 form, as a dual-stack socket reports IPv4 peers. */
const IPV4_MAPPED = '::ffff:0:0';
const IPV4_MAPPED_PREFIX = 96;

/** What to write instead of a value that trusts (nearly) everyone. */
const NAME_THEM = 'name the proxies (e.g. loopback, 10.0.0.0/8, 10.1.2.3)';

/**
 * TRUST_PROXY as Express takes it, or why it is refused: `false` (or `0`) for no proxy, a hop
 * count of 1 to 5, or comma-separated names, addresses and subnets none of which spans (nearly)
 * everyone. Anything Express or proxy-addr would misread, or only fail on at start, is refused
 * here with what to write instead.
 */
export function parseTrustProxy(input: string): { trust: TrustProxy } | { refused: string } {
  const value = input.trim();
  if (/^false$/i.test(value)) return { trust: false };
  if (/^true$/i.test(value)) return { refused: `"true" would let any client choose its address; ${NAME_THEM} instead` };
  if (/^\d+$/.test(value)) return hopCount(Number(value));
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) return { refused: `is empty; ${NAME_THEM}, or write false for none` };
  for (const entry of entries) {
    const problem = entryProblem(entry);
    if (problem !== undefined) return { refused: problem };
  }
  // Normalized as Express splits it anyway: comma-separated, each entry trimmed.
  return { trust: entries.join(',') };
}

function hopCount(hops: number): { trust: TrustProxy } | { refused: string } {
  // Trusting the 0 nearest hops is trusting none, exactly what false says.
  if (hops === 0) return { trust: false };
  if (hops > MAX_HOPS) {
    return {
      refused: `a hop count of ${hops} trusts X-Forwarded-For entries the client wrote itself whenever fewer than ${hops} proxies stand in front; write how many proxies there are (1 to ${MAX_HOPS}), or better ${NAME_THEM}`,
    };
  }
  return { trust: hops };
}

/** Why one entry of a TRUST_PROXY list must not be trusted, or undefined when it may. */
function entryProblem(entry: string): string | undefined {
  if (NAMES.includes(entry)) return undefined;
  const slash = entry.indexOf('/');
  const address = slash === -1 ? entry : entry.slice(0, slash);
  const family = isIP(address);
  if (family === 0) return `"${entry}" is not an IP address, a subnet (address/prefix) or one of ${NAMES.join(', ')}`;
  if (slash === -1) return undefined;
  const prefix = family === 4 ? ipv4Prefix(entry.slice(slash + 1)) : ipv6Prefix(entry.slice(slash + 1));
  if (prefix === undefined) {
    return family === 4
      ? `"${entry}": after the / comes a prefix length from 0 to 32 or a netmask such as 255.255.0.0`
      : `"${entry}": after the / comes a prefix length from 0 to 128`;
  }
  return family === 4 ? ipv4SubnetProblem(entry, prefix) : ipv6SubnetProblem(entry, address, prefix);
}

function ipv4SubnetProblem(entry: string, prefix: number): string | undefined {
  if (prefix >= MIN_IPV4_PREFIX) return undefined;
  return `"${entry}" spans ${share(prefix, 'IPv4')}, and any client among them could choose its address; write the proxies' own subnet, /${MIN_IPV4_PREFIX} or longer (e.g. 10.0.0.0/8), or their addresses`;
}

function ipv6SubnetProblem(entry: string, address: string, prefix: number): string | undefined {
  if (prefix < MIN_IPV6_PREFIX) {
    return `"${entry}" spans ${share(prefix, 'IPv6')}, and any client among them could choose its address; write the proxies' own subnet, /${MIN_IPV6_PREFIX} or longer (e.g. fd12:3456::/32), their addresses, or uniquelocal`;
  }
  if (prefix <= IPV4_MAPPED_PREFIX && contains(address, prefix, IPV4_MAPPED)) {
    return `"${entry}" holds ${IPV4_MAPPED}/${IPV4_MAPPED_PREFIX}, every IPv4 address in the IPv6 form a dual-stack socket reports it in, so any IPv4 client could choose its address; write the IPv4 proxies' subnet apart (e.g. 10.0.0.0/8)`;
  }
  const asIpv4 = prefix - IPV4_MAPPED_PREFIX;
  if (asIpv4 > 0 && asIpv4 < MIN_IPV4_PREFIX && contains(IPV4_MAPPED, IPV4_MAPPED_PREFIX, address)) {
    return `"${entry}" is an IPv4 subnet in IPv6 form, /${asIpv4} as IPv4, and spans ${share(asIpv4, 'IPv4')}; write /${IPV4_MAPPED_PREFIX + MIN_IPV4_PREFIX} or longer (::ffff:10.0.0.0/${IPV4_MAPPED_PREFIX + MIN_IPV4_PREFIX} is 10.0.0.0/8)`;
  }
  return undefined;
}

/** A prefix length, or an IPv4 netmask's: its one bits, which must all come first. */
function ipv4Prefix(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text) <= 32 ? Number(text) : undefined;
  if (isIP(text) !== 4) return undefined;
  const bits = text
    .split('.')
    .map((octet) => Number(octet).toString(2).padStart(8, '0'))
    .join('');
  return /^1*0*$/.test(bits) ? bits.replace(/0+$/, '').length : undefined;
}

function ipv6Prefix(text: string): number | undefined {
  return /^\d+$/.test(text) && Number(text) <= 128 ? Number(text) : undefined;
}

/** Whether the IPv6 subnet `network`/`prefix` contains `address`. */
function contains(network: string, prefix: number, address: string): boolean {
  const subnet = new BlockList();
  subnet.addSubnet(network, prefix, 'ipv6');
  return subnet.check(address, 'ipv6');
}

/** How much of an address space a prefix spans, as a person reads it. */
function share(prefix: number, family: 'IPv4' | 'IPv6'): string {
  if (prefix === 0) return `every ${family} address`;
  return `${prefix === 1 ? 'half' : `1/${2 ** prefix}`} of all ${family} addresses`;
}
