// ip.js: tells an IP address from a phone number in the search box.

const v4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const group = /^[0-9a-f]{1,4}$/i;

export function isIPv4(s) {
  return v4.test(s);
}

// isIPv6 accepts the RFC 4291 text forms: eight groups, "::" once for a run
// of zeros, and a dotted IPv4 address as the last 32 bits.
export function isIPv6(s) {
  if (!/^[0-9a-f:.]+$/i.test(s)) return false;
  const halves = s.split('::');
  if (halves.length > 2) return false;
  const split = (h) => (h === '' ? [] : h.split(':'));
  const groups = [...split(halves[0]), ...(halves.length === 2 ? split(halves[1]) : [])];
  let n = groups.length;
  if (n > 0 && groups[n - 1].includes('.')) {
    if (!v4.test(groups.pop())) return false;
    n++; // an IPv4 tail fills two groups
  }
  if (!groups.every((g) => group.test(g))) return false;
  return halves.length === 2 ? n <= 7 : n === 8;
}

export function isIP(s) {
  return isIPv4(s) || isIPv6(s);
}
