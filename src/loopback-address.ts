import { BlockList, isIP } from 'node:net';

// 127.0.0.0/8 and ::1. BlockList compares an IPv4-mapped address (::ffff:127.0.0.1, as a
// dual-stack socket or resolver may give it) with the IPv4 subnet, and every spelling of ::1
// (0:0:0:0:0:0:0:1) with ::1, so no form of a loopback address is missed by a string compare.
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** Whether `address` is an IP address that only this machine can reach (never a name). */
export function isLoopbackAddress(address: string): boolean {
  const family = isIP(address);
  return family !== 0 && LOOPBACK.check(address, family === 4 ? 'ipv4' : 'ipv6');
}
