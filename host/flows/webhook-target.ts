// Where a webhook may point (docs/flows.md "S5", "Webhook targets"): https
// to a public address. The target's host name is resolved and every address
// it gives is checked against the special-purpose ranges below (loopback,
// private, link-local, metadata, …), at registration and again before every
// delivery; the delivery then connects to the very address that was checked,
// so a name that re-resolves elsewhere (DNS rebinding) cannot steer it. The
// operator may allow private targets by CIDR or host name, and plain http
// for those only.
import { lookup } from 'node:dns/promises';
import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { FlowError } from './errors.js';
import { invalidInput } from '../errors.js';

/** Comma-separated CIDRs, addresses or host names webhooks may reach although private (AppOptions.webhookAllow). */
export const WEBHOOK_ALLOW_ENV = 'GRIDSETTLE_WEBHOOK_ALLOW';
/** `1`: webhooks to allow-listed targets may use plain http (AppOptions.webhookAllowHttp). */
export const WEBHOOK_ALLOW_HTTP_ENV = 'GRIDSETTLE_WEBHOOK_ALLOW_HTTP';

// IANA special-purpose registries (RFC 6890 and successors): nothing a webhook should reach.
const REFUSED_IPV4 = [
  '0.0.0.0/8', // "this network", unspecified
  '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', // RFC 1918 private
  '100.64.0.0/10', // CGNAT shared space (also Alibaba's metadata 100.100.100.200)
  '127.0.0.0/8', // loopback
  '169.254.0.0/16', // link-local, cloud metadata 169.254.169.254
  '192.0.0.0/24', // IETF protocol assignments
  '192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24', // documentation
  '192.88.99.0/24', // 6to4 relay anycast
  '198.18.0.0/15', // benchmarking
  '224.0.0.0/4', // multicast
  '240.0.0.0/4', // reserved, and the broadcast 255.255.255.255
];
const REFUSED_IPV6 = [
  '::/96', // unspecified, loopback and the deprecated IPv4-compatible ::a.b.c.d
  '100::/64', // discard-only
  '2001::/32', // Teredo (tunnels to an embedded IPv4)
  '2001:2::/48', // benchmarking
  '2001:db8::/32', // documentation
  '2002::/16', // 6to4 (tunnels to an embedded IPv4)
  'fc00::/7', // unique-local, incl. AWS metadata fd00:ec2::254
  'fe80::/10', // link-local
  'fec0::/10', // deprecated site-local
  'ff00::/8', // multicast
];
// IPv6 forms that carry an IPv4 address in their last 32 bits (mapped, NAT64): checked as that IPv4.
const EMBEDDED_IPV4_PATTERN = /^(?:::ffff|64:ff9b:):([0-9a-f]{1,4}):([0-9a-f]{1,4})$/;

function blockListOf(subnets: readonly string[]): BlockList {
  const list = new BlockList();
  for (const subnet of subnets) addRule(list, subnet);
  return list;
}

function addRule(list: BlockList, rule: string): void {
  const [address, prefix] = rule.split('/');
  const family = isIP(address!) === 6 ? 'ipv6' : 'ipv4';
  if (prefix === undefined) list.addAddress(address!, family);
  else list.addSubnet(address!, Number(prefix), family);
}

const REFUSED = blockListOf([...REFUSED_IPV4, ...REFUSED_IPV6]);

/** Private targets the operator allows, and whether plain http may reach them. */
export interface WebhookTargetPolicy {
  allowedAddresses: BlockList;
  allowedHosts: ReadonlySet<string>;
  allowHttp: boolean;
}

/** The policy from `allow` (CIDRs, addresses, host names) and `allowHttp`; unset: GRIDSETTLE_WEBHOOK_ALLOW and GRIDSETTLE_WEBHOOK_ALLOW_HTTP. */
export function webhookTargetPolicy(
  allow: readonly string[] = (process.env[WEBHOOK_ALLOW_ENV] ?? '').split(','),
  allowHttp = process.env[WEBHOOK_ALLOW_HTTP_ENV] === '1',
): WebhookTargetPolicy {
  const allowedAddresses = new BlockList();
  const allowedHosts = new Set<string>();
  for (const entry of allow.map((text) => text.trim().toLowerCase()).filter((text) => text !== '')) {
    if (isIP(entry.split('/')[0]!) !== 0) addRule(allowedAddresses, entry);
    else allowedHosts.add(entry);
  }
  return { allowedAddresses, allowedHosts, allowHttp };
}

/** A checked target: the URL and the one address a delivery connects to. */
export interface WebhookTarget {
  url: URL;
  address: string;
  family: 4 | 6;
}

function refused(url: URL, reason: string): FlowError {
  return new FlowError('webhook_target_refused', `webhook target ${url.host} refused: ${reason}`);
}

/** The address as checked: an IPv4 embedded in a mapped or NAT64 IPv6 address is that IPv4. */
function checkedForm(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  if (isIP(address) === 4) return { address, family: 'ipv4' };
  // The URL parser writes IPv6 in its one canonical form (lowercase, zeros compressed, dotted tail as hex).
  const canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const embedded = EMBEDDED_IPV4_PATTERN.exec(canonical);
  if (embedded === null) return { address: canonical, family: 'ipv6' };
  const word = (hex: string) => Number.parseInt(hex, 16);
  const [high, low] = [word(embedded[1]!), word(embedded[2]!)];
  return { address: [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.'), family: 'ipv4' };
}

function allowedByOperator(policy: WebhookTargetPolicy, hostName: string, address: string): boolean {
  const checked = checkedForm(address);
  return policy.allowedHosts.has(hostName) || policy.allowedAddresses.check(checked.address, checked.family);
}

function isRefused(address: string): boolean {
  const checked = checkedForm(address);
  return REFUSED.check(checked.address, checked.family);
}


/** Parses `text` as a webhook URL: absolute, http or https, no credentials. */
export function webhookUrlOf(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalidInput('url is not an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalidInput('url must be http or https');
  if (url.username !== '' || url.password !== '') throw invalidInput('url must not carry credentials');
  return url;
}

/**
 * Resolves and checks a webhook URL: every address the name resolves to
 * must be public or operator-allowed; plain http only to allowed targets.
 * Throws `webhook_target_refused`. The URL parser has already normalised
 * odd IPv4 spellings (decimal, octal, hex, short forms) to dotted quads.
 */
export async function checkWebhookTarget(policy: WebhookTargetPolicy, text: string): Promise<WebhookTarget> {
  const url = webhookUrlOf(text);
  const hostName = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const literal = isIP(hostName);
  let addresses: Array<{ address: string; family: number }>;
  try {
    addresses = literal === 0 ? await lookup(hostName, { all: true, verbatim: true }) : [{ address: hostName, family: literal }];
  } catch {
    throw refused(url, 'its host name does not resolve');
  }
  if (addresses.length === 0) throw refused(url, 'its host name does not resolve');
  const blocked = addresses.find(({ address }) => isRefused(address) && !allowedByOperator(policy, hostName, address));
  if (blocked !== undefined) throw refused(url, `${blocked.address} is a private, loopback, link-local or reserved address`);
  const allowed = addresses.every(({ address }) => allowedByOperator(policy, hostName, address));
  if (url.protocol === 'http:' && !(policy.allowHttp && allowed)) throw refused(url, 'webhooks use https (plain http only to operator-allowed targets)');
  const first = addresses[0]!;
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}

/**
 * POSTs `body` to a checked target, connecting only to its checked address
 * (the request's name lookup answers that address; TLS still verifies the
 * URL's host name). Redirects are not followed. The response status, or
 * null when none came (refused, reset, timed out).
 */
export function postToTarget(target: WebhookTarget, headers: OutgoingHttpHeaders, body: Buffer, timeoutMs: number): Promise<number | null> {
  const pinned = ((_hostName: string, options: { all?: boolean }, callback: (...answer: unknown[]) => void) => {
    if (options.all === true) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  }) as unknown as LookupFunction;
  const send = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const request = send(target.url, {
      method: 'POST', agent: false, lookup: pinned, signal: AbortSignal.timeout(timeoutMs),
      headers: { ...headers, 'content-length': body.length },
    }, (response) => {
      response.resume();
      resolve(response.statusCode ?? null);
    });
    request.on('error', () => resolve(null));
    request.end(body);
  });
}
